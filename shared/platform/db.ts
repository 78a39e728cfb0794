/** The drizzle handle over D1 that repositories take as their first argument. */

import { type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../db/schema";

export type Db = ReturnType<typeof dbOf>;

/** A drizzle database over a D1 binding (or a D1 session, for read-your-writes). */
export function dbOf(d1: D1Database | D1DatabaseSession) {
  return drizzle(d1 as D1Database, { schema });
}

/** Runs statements as one D1 batch (atomic: all or none); an empty list does nothing. */
export async function runBatch(db: Db, statements: BatchItem<"sqlite">[]): Promise<void> {
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/**
 * A statement that aborts its batch unless `condition` (a `SELECT 1 ... WHERE ...`) finds a row.
 * D1 batches are transactions, so an earlier compare-and-set that lost its race rolls everything
 * back. `json()` on non-JSON raises: SQLite's only way to fail a plain statement on a condition.
 */
export function assertExists(db: Db, condition: SQL) {
  return db
    .select({ ok: sql<number>`CASE WHEN EXISTS (${condition}) THEN 1 ELSE json('assertion_failed') END` })
    .from(sql`(SELECT 1)`);
}

/** The error's text with its cause's: D1 puts SQLite's message in the cause. */
function errorText(err: unknown): string {
  return `${String(err)} ${String((err as { cause?: unknown })?.cause ?? "")}`;
}

/** Whether a batch failed on an `assertExists` statement. */
export function isAssertionFailure(err: unknown): boolean {
  return /malformed JSON/i.test(errorText(err));
}

/** Whether a statement failed on a unique index (of `table`, when given). */
export function isUniqueViolation(err: unknown, table?: string): boolean {
  const text = errorText(err);
  return table ? text.includes(`UNIQUE constraint failed: ${table}`) : text.includes("UNIQUE constraint failed");
}
