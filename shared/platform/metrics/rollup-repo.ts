/**
 * The readable rollup in D1: counters per minute, added to by each isolate's flush with an upsert,
 * so concurrent flushes from many isolates sum exactly. One flush is one batch of multi-row upserts
 * (a few statements for a busy isolate), never a write per request.
 */
import { and, eq, gte, sql } from "drizzle-orm";
import { metricCounts } from "../../../db/schema";
import { inChunks } from "../d1-chunks";
import { type Db, runBatch } from "../db";

export type MetricKind = (typeof metricCounts.$inferInsert)["kind"];

/** One counter of one minute, as flushed and as read back. */
export interface CounterRow {
  minute: number;
  worker: string;
  kind: MetricKind;
  subject: string;
  field: string;
  value: number;
}

/** Adds each row's value to its counter (creating it at that value). */
export async function addCounters(db: Db, rows: readonly CounterRow[]): Promise<void> {
  const statements = inChunks(rows, (chunk) =>
    db
      .insert(metricCounts)
      .values(chunk)
      .onConflictDoUpdate({
        target: [metricCounts.minute, metricCounts.worker, metricCounts.kind, metricCounts.subject, metricCounts.field],
        set: { value: sql`${metricCounts.value} + excluded.value` },
      }),
  );
  await runBatch(db, statements);
}

/** The counters of every minute starting at or after `fromMinute`, summed over those minutes. */
export async function countersSince(db: Db, fromMinute: number): Promise<Omit<CounterRow, "minute">[]> {
  return db
    .select({
      worker: metricCounts.worker,
      kind: metricCounts.kind,
      subject: metricCounts.subject,
      field: metricCounts.field,
      value: sql<number>`SUM(${metricCounts.value})`.mapWith(Number),
    })
    .from(metricCounts)
    .where(gte(metricCounts.minute, fromMinute))
    .groupBy(metricCounts.worker, metricCounts.kind, metricCounts.subject, metricCounts.field);
}

/** Which counters a series reads: one kind, optionally one worker's and one subject's. */
export interface SeriesFilter {
  kind: MetricKind;
  worker?: string;
  subject?: string;
}

/**
 * The counters of every minute starting at or after `fromMinute`, summed per field and per slot of
 * `stepMs` counted from `fromMinute` (`at` is the slot's start), so the slots add up to the totals
 * of `countersSince`. Summed in D1: a week of minutes comes back as one row per slot and field.
 */
export async function countersPerSlotSince(
  db: Db,
  fromMinute: number,
  stepMs: number,
  filter: SeriesFilter,
): Promise<{ at: number; field: string; value: number }[]> {
  const at = sql<number>`${metricCounts.minute} - ((${metricCounts.minute} - ${fromMinute}) % ${stepMs})`;
  return db
    .select({
      at: at.mapWith(Number),
      field: metricCounts.field,
      value: sql<number>`SUM(${metricCounts.value})`.mapWith(Number),
    })
    .from(metricCounts)
    .where(
      and(
        gte(metricCounts.minute, fromMinute),
        eq(metricCounts.kind, filter.kind),
        filter.worker === undefined ? undefined : eq(metricCounts.worker, filter.worker),
        filter.subject === undefined ? undefined : eq(metricCounts.subject, filter.subject),
      ),
    )
    .groupBy(at, metricCounts.field);
}

/** How long the rollup keeps its minutes (Analytics Engine keeps production's for three months). */
export const ROLLUP_RETENTION_MS = 7 * 86_400_000;

/** Deletes up to `limit` counters of minutes before `before`; answers how many went. */
export async function purgeCountersBefore(db: Db, before: number, limit = 5000): Promise<number> {
  // A bounded subquery keeps each sweep small (drizzle's delete has no LIMIT on SQLite).
  const result = await db.run(
    sql`DELETE FROM metric_counts WHERE rowid IN (SELECT rowid FROM metric_counts WHERE minute < ${before} LIMIT ${limit})`,
  );
  return result.meta.changes ?? 0;
}
