/**
 * The `product_revisions` table: content edits of audited products waiting for an operator, and
 * their outcomes. At most one revision per product is PENDING (a partial unique index), so two
 * edits proposed at once cannot both become the pending one; every status change is a
 * compare-and-set on PENDING whose batch asserts its own stamp (`last_op_id`, `superseded_by`).
 */
import { and, desc, eq, like, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { productRevisions } from "../../db/schema";
import { createdCursorSchema, decodeCursor, olderThan, pageOf } from "../platform/cursor";
import { assertExists, type Db } from "../platform/db";

export type RevisionRow = typeof productRevisions.$inferSelect;
export type RevisionStatus = RevisionRow["status"];
export const REVISION_STATUSES = ["PENDING", "APPROVED", "REJECTED", "SUPERSEDED"] as const;

/** A revision as the admin API shows it. */
export const revisionSchema = z.object({
  revisionId: z.string(),
  productId: z.string(),
  status: z.enum(REVISION_STATUSES),
  baseVersion: z.number().int().describe("The live product's version when the revision was proposed"),
  changes: z.unknown().describe("The proposed changes: `product` fields, `skus` fields by SKU id, `newSkus`"),
  createdBy: z.string(),
  createdAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  reason: z.string().nullable(),
  supersededBy: z.string().nullable(),
  appliedVersion: z.number().int().nullable().describe("The product version its approval produced"),
});
export type RevisionView = z.infer<typeof revisionSchema>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function revisionView(row: RevisionRow): RevisionView {
  return {
    revisionId: row.id,
    productId: row.productId,
    status: row.status,
    baseVersion: row.baseVersion,
    changes: JSON.parse(row.changes) as unknown,
    createdBy: row.createdBy,
    createdAt: new Date(row.createdAt).toISOString(),
    decidedBy: row.decidedBy,
    decidedAt: iso(row.decidedAt),
    reason: row.reason,
    supersededBy: row.supersededBy,
    appliedVersion: row.appliedVersion,
  };
}

/** The product's pending revision, if any. */
export function pendingRevisionRow(db: Db, productId: string): Promise<RevisionRow | undefined> {
  return db.query.productRevisions.findFirst({
    where: and(eq(productRevisions.productId, productId), eq(productRevisions.status, "PENDING")),
  });
}

/**
 * The pending revision that adds SKU `skuId` (a SKU proposed for an audited product exists only
 * there until approval). Pending revisions are few, so a text match over them is enough; the
 * caller checks the parsed changes for the exact id.
 */
export async function pendingRevisionAddingSku(db: Db, skuId: string): Promise<RevisionRow | undefined> {
  if (!/^sku_[0-9A-Z]{26}$/.test(skuId)) return undefined;
  const [row] = await db
    .select()
    .from(productRevisions)
    .where(and(eq(productRevisions.status, "PENDING"), like(productRevisions.changes, `%"skuId":"${skuId}"%`)))
    .limit(1);
  return row;
}

/** One revision of one product (a revision id under another product is not found). */
export function revisionRow(db: Db, productId: string, revisionId: string): Promise<RevisionRow | undefined> {
  return db.query.productRevisions.findFirst({
    where: and(eq(productRevisions.id, revisionId), eq(productRevisions.productId, productId)),
  });
}

/** Revisions, newest first, a page at a time: one product's, or every product's in one status. */
export async function listRevisionRows(
  db: Db,
  filter: { productId: string } | { status: RevisionStatus },
  query: { limit: number; cursor?: string | undefined },
) {
  const conditions: SQL[] = [
    "productId" in filter
      ? eq(productRevisions.productId, filter.productId)
      : eq(productRevisions.status, filter.status),
  ];
  if (query.cursor) {
    const after = decodeCursor(createdCursorSchema, query.cursor);
    const older = olderThan(productRevisions.createdAt, productRevisions.id, after);
    if (older) conditions.push(older);
  }
  const rows = await db
    .select()
    .from(productRevisions)
    .where(and(...conditions))
    .orderBy(desc(productRevisions.createdAt), desc(productRevisions.id))
    .limit(query.limit + 1);
  return pageOf(rows, query.limit, revisionView);
}

export function insertRevision(db: Db, row: typeof productRevisions.$inferInsert) {
  return db.insert(productRevisions).values(row);
}

/** Marks the pending `oldId` as replaced by `newId`; the batch aborts if it was no longer pending. */
export function supersedeStatements(db: Db, oldId: string, newId: string) {
  return [
    db
      .update(productRevisions)
      .set({ status: "SUPERSEDED", supersededBy: newId })
      .where(and(eq(productRevisions.id, oldId), eq(productRevisions.status, "PENDING"))),
    assertExists(db, sql`SELECT 1 FROM product_revisions WHERE id = ${oldId} AND superseded_by = ${newId}`),
  ];
}

/** Approves or rejects the pending `revisionId`; the batch aborts if it was no longer pending. */
export function decideStatements(
  db: Db,
  revisionId: string,
  outcome: {
    status: "APPROVED" | "REJECTED";
    decidedBy: string;
    decidedAt: number;
    reason: string | null;
    appliedVersion: number | null;
    opId: string;
  },
) {
  const { opId, ...values } = outcome;
  return [
    db
      .update(productRevisions)
      .set({ ...values, lastOpId: opId })
      .where(and(eq(productRevisions.id, revisionId), eq(productRevisions.status, "PENDING"))),
    assertExists(db, sql`SELECT 1 FROM product_revisions WHERE id = ${revisionId} AND last_op_id = ${opId}`),
  ];
}
