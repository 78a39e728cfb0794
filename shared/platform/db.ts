/** The drizzle handle over D1 that repositories take as their first argument. */

import {
  createTableRelationsHelpers,
  type ExtractTablesWithRelations,
  extractTablesRelationalConfig,
  type RelationalSchemaConfig,
  type SQL,
  sql,
} from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { DrizzleD1Database } from "drizzle-orm/d1";
import { SQLiteD1Session } from "drizzle-orm/d1/session";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import * as schema from "../../db/schema";

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

/**
 * drizzle(d1, { schema }) walks the whole schema (every table and relation) on each call, and a
 * request opens a Db or more (its D1 session, the metrics flush, the switches): a quarter of a
 * cached detail's CPU went there. The walk depends on the schema alone, so it runs once per
 * isolate, and a binding or session keeps the Db made for it (they hold no per-query state).
 */
type Tables = ExtractTablesWithRelations<typeof schema>;
let relational: RelationalSchemaConfig<Tables> | undefined;
const handles = new WeakMap<D1Database | D1DatabaseSession, Db>();

/** A drizzle database over a D1 binding (or a D1 session, for read-your-writes). */
export function dbOf(d1: D1Database | D1DatabaseSession): Db {
  const held = handles.get(d1);
  if (held) return held;
  if (!relational) {
    const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
    relational = { fullSchema: schema, schema: tables.tables as Tables, tableNamesMap: tables.tableNamesMap };
  }
  const dialect = new SQLiteAsyncDialect();
  const session = new SQLiteD1Session<typeof schema, Tables>(d1 as D1Database, dialect, relational, {});
  const db = Object.assign(new DrizzleD1Database<typeof schema>("async", dialect, session, relational), {
    $client: d1 as D1Database,
  });
  handles.set(d1, db);
  return db;
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
