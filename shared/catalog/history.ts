/**
 * History of the catalog: immutable product snapshots (one per content edit, with a content hash)
 * and the append-only operation log (who changed which entity, before and after, when).
 * Writers add these statements to the same D1 batch as the change itself.
 */
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { operationLogs, productSnapshots } from "../../db/schema";
import type { Actor } from "../platform/actor";
import { sha256Hex } from "../platform/crypto";
import { createdCursorSchema, decodeCursor, olderThan, pageByKey, pageOf } from "../platform/cursor";
import type { Db } from "../platform/db";
import { newId } from "../platform/ids";

/** JSON with object keys sorted, so equal content always hashes equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export async function snapshotRow(productId: string, version: number, content: unknown, actor: Actor, now: number) {
  const json = canonicalJson(content);
  return {
    id: newId("snapshot", now),
    productId,
    version,
    contentHash: await sha256Hex(json),
    content: json,
    createdBy: actor.id,
    createdAt: now,
  };
}

export function snapshotInsert(db: Db, row: Awaited<ReturnType<typeof snapshotRow>>) {
  return db.insert(productSnapshots).values(row);
}

export interface LogEntry {
  actor: Actor;
  shopId: string | null;
  entityType:
    | "product"
    | "sku"
    | "price"
    | "stock"
    | "category"
    | "brand"
    | "attribute"
    | "template"
    | "bulk_job"
    | "user";
  entityId: string;
  operation: string;
  before?: unknown;
  after?: unknown;
  requestId?: string | undefined;
  now: number;
  /**
   * A deterministic id for entries that must be written once whatever the retries (a stock op
   * logs under its op id); insert those with `.onConflictDoNothing()`.
   */
  id?: string;
}

export function logInsert(db: Db, entry: LogEntry) {
  return db.insert(operationLogs).values({
    id: entry.id ?? newId("operationLog", entry.now),
    actorId: entry.actor.id,
    actorType: entry.actor.type,
    shopId: entry.shopId,
    entityType: entry.entityType,
    entityId: entry.entityId,
    operation: entry.operation,
    before: entry.before === undefined ? null : canonicalJson(entry.before),
    after: entry.after === undefined ? null : canonicalJson(entry.after),
    requestId: entry.requestId ?? null,
    createdAt: entry.now,
  });
}

export const snapshotSchema = z.object({
  snapshotId: z.string(),
  version: z.number().int(),
  contentHash: z.string(),
  content: z.unknown(),
  createdBy: z.string(),
  createdAt: z.string(),
});

/** The product's snapshots, newest version first, a page at a time. */
export async function listSnapshots(db: Db, productId: string, query: { limit: number; cursor?: string | undefined }) {
  const before = query.cursor ? decodeCursor(snapshotCursorSchema, query.cursor).version : undefined;
  const rows = await db
    .select()
    .from(productSnapshots)
    .where(
      and(
        eq(productSnapshots.productId, productId),
        before === undefined ? undefined : lt(productSnapshots.version, before),
      ),
    )
    .orderBy(desc(productSnapshots.version))
    .limit(query.limit + 1);
  return pageByKey(
    rows,
    query.limit,
    (r) => ({
      snapshotId: r.id,
      version: r.version,
      contentHash: r.contentHash,
      content: JSON.parse(r.content) as unknown,
      createdBy: r.createdBy,
      createdAt: new Date(r.createdAt).toISOString(),
    }),
    (last) => ({ version: last.version }),
  );
}

/** The snapshot list's cursor: the version of the last snapshot answered (newest first). */
const snapshotCursorSchema = z.object({ version: z.number().int() });

export const operationLogSchema = z.object({
  logId: z.string(),
  actorId: z.string(),
  actorType: z.string(),
  shopId: z.string().nullable(),
  entityType: z.string(),
  entityId: z.string(),
  operation: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  requestId: z.string().nullable(),
  createdAt: z.string(),
});

/** Newest first; `shopId` limits a seller to its shop's entries. */
export async function listOperationLogs(
  db: Db,
  query: {
    entityType?: string | undefined;
    entityId?: string | undefined;
    shopId?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const conditions: SQL[] = [];
  if (query.entityType) conditions.push(eq(operationLogs.entityType, query.entityType));
  if (query.entityId) conditions.push(eq(operationLogs.entityId, query.entityId));
  if (query.shopId) conditions.push(eq(operationLogs.shopId, query.shopId));
  if (query.cursor) {
    const older = olderThan(operationLogs.createdAt, operationLogs.id, decodeCursor(createdCursorSchema, query.cursor));
    if (older) conditions.push(older);
  }
  const rows = await db
    .select()
    .from(operationLogs)
    .where(and(...conditions))
    .orderBy(desc(operationLogs.createdAt), desc(operationLogs.id))
    .limit(query.limit + 1);
  return pageOf(rows, query.limit, (r) => ({
    logId: r.id,
    actorId: r.actorId,
    actorType: r.actorType,
    shopId: r.shopId,
    entityType: r.entityType,
    entityId: r.entityId,
    operation: r.operation,
    before: r.before === null ? null : (JSON.parse(r.before) as unknown),
    after: r.after === null ? null : (JSON.parse(r.after) as unknown),
    requestId: r.requestId,
    createdAt: new Date(r.createdAt).toISOString(),
  }));
}
