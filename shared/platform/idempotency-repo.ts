/** Storage of idempotency keys in D1. Only this module touches `idempotency_keys`. */
import { and, eq, lte, sql } from "drizzle-orm";
import { idempotencyKeys } from "../../db/schema";
import type { Db } from "./db";

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;

export interface NewClaim {
  scope: string;
  key: string;
  requestHash: string;
  lockToken: string;
  now: number;
  lockMs: number;
  ttlMs: number;
}

/** Inserts a `running` row for the key; returns false if a row already exists. */
export async function insertClaim(db: Db, c: NewClaim): Promise<boolean> {
  const rows = await db
    .insert(idempotencyKeys)
    .values({
      scope: c.scope,
      key: c.key,
      requestHash: c.requestHash,
      state: "running",
      lockToken: c.lockToken,
      lockedUntil: c.now + c.lockMs,
      createdAt: c.now,
      expiresAt: c.now + c.ttlMs,
    })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  return rows.length === 1;
}

export async function findKey(db: Db, scope: string, key: string): Promise<IdempotencyRecord | undefined> {
  return db.query.idempotencyKeys.findFirst({
    where: and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)),
  });
}

/** Deletes the row if it has expired by `now`; true when something was deleted. */
export async function deleteIfExpired(db: Db, scope: string, key: string, now: number): Promise<boolean> {
  const rows = await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), lte(idempotencyKeys.expiresAt, now)))
    .returning({ key: idempotencyKeys.key });
  return rows.length > 0;
}

/**
 * Takes over a `running` row whose lock lapsed (its request died mid-way), compare-and-set on
 * the old lock token so that of several retries exactly one wins.
 */
export async function takeOverLapsed(
  db: Db,
  record: IdempotencyRecord,
  lockToken: string,
  now: number,
  lockMs: number,
): Promise<boolean> {
  const rows = await db
    .update(idempotencyKeys)
    .set({ lockToken, lockedUntil: now + lockMs })
    .where(
      and(
        eq(idempotencyKeys.scope, record.scope),
        eq(idempotencyKeys.key, record.key),
        eq(idempotencyKeys.state, "running"),
        eq(idempotencyKeys.lockToken, record.lockToken),
      ),
    )
    .returning({ key: idempotencyKeys.key });
  return rows.length === 1;
}

/** Stores the final response of the request holding `lockToken`. */
export async function complete(
  db: Db,
  scope: string,
  key: string,
  lockToken: string,
  response: { status: number; headers: string; contentType: string | null; body: string },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({
      state: "done",
      responseStatus: response.status,
      responseContentType: response.contentType,
      responseHeaders: response.headers,
      responseBody: response.body,
    })
    .where(
      and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), eq(idempotencyKeys.lockToken, lockToken)),
    );
}

/**
 * Releases the key held by `lockToken` (the request failed in a way a retry may fix): the lock
 * lapses at once, so the retry takes the row over and keeps its first claim time (the request's
 * identity); a different request under the same key is still a conflict.
 */
export async function release(db: Db, scope: string, key: string, lockToken: string): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ lockedUntil: 0 })
    .where(
      and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), eq(idempotencyKeys.lockToken, lockToken)),
    );
}

/** Deletes up to `limit` keys that expired by `now`; returns how many. */
export async function purgeExpired(db: Db, now: number, limit = 1000): Promise<number> {
  // drizzle's delete has no LIMIT on SQLite; a bounded subquery keeps each sweep small.
  const result = await db.run(
    sql`DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE expires_at <= ${now} LIMIT ${limit})`,
  );
  return result.meta.changes ?? 0;
}
