/** API keys in D1. Only this module touches `api_keys`. */
import { and, desc, eq, isNull, lt, or, type SQL } from "drizzle-orm";
import { apiKeys } from "../../db/schema";
import { olderThan } from "../platform/cursor";
import type { Db } from "../platform/db";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(db: Db, row: typeof apiKeys.$inferInsert): Promise<void> {
  await db.insert(apiKeys).values(row);
}

export async function findActiveByHash(db: Db, keyHash: string): Promise<ApiKeyRow | undefined> {
  return db.query.apiKeys.findFirst({ where: and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)) });
}

export async function findApiKey(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db.query.apiKeys.findFirst({ where: eq(apiKeys.id, id) });
}

/** Newest first, optionally one shop's, keyset-paginated on (created_at, id). */
export async function listApiKeys(
  db: Db,
  filter: { shopId?: string | undefined; limit: number; after?: { createdAt: number; id: string } | undefined },
) {
  const conditions: SQL[] = [];
  if (filter.shopId) conditions.push(eq(apiKeys.shopId, filter.shopId));
  const older = olderThan(apiKeys.createdAt, apiKeys.id, filter.after);
  if (older) conditions.push(older);
  return db
    .select()
    .from(apiKeys)
    .where(and(...conditions))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(filter.limit);
}

/** Revokes the key (once); the row as it is afterwards. */
export async function revokeApiKey(db: Db, id: string, now: number): Promise<ApiKeyRow | undefined> {
  await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  return findApiKey(db, id);
}

/** Records use, at most once a minute per key, so busy keys do not write on every request. */
export async function touchApiKey(db: Db, id: string, now: number): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - 60_000))));
}
