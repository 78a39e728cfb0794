/** Dead letters in D1. Only this module touches `dead_letters`. */
import { and, desc, eq, type SQL } from "drizzle-orm";
import { deadLetters } from "../../db/schema";
import { olderThan } from "../platform/cursor";
import type { Db } from "../platform/db";

export type DeadLetterRow = typeof deadLetters.$inferSelect;
export type NewDeadLetter = typeof deadLetters.$inferInsert;

/** Records a dead letter once per (queue, message id); a redelivered DLQ message is a no-op. */
export async function insertDeadLetter(db: Db, row: NewDeadLetter): Promise<void> {
  await db.insert(deadLetters).values(row).onConflictDoNothing();
}

export async function findDeadLetter(db: Db, id: string): Promise<DeadLetterRow | undefined> {
  return db.query.deadLetters.findFirst({ where: eq(deadLetters.id, id) });
}

export interface DeadLetterFilter {
  status?: "dead" | "replayed";
  queue?: string;
  /** Rows strictly after this (createdAt, id) in newest-first order. */
  after?: { createdAt: number; id: string };
  limit: number;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listDeadLetters(db: Db, filter: DeadLetterFilter): Promise<DeadLetterRow[]> {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(deadLetters.status, filter.status));
  if (filter.queue) conditions.push(eq(deadLetters.queue, filter.queue));
  const older = olderThan(deadLetters.createdAt, deadLetters.id, filter.after);
  if (older) conditions.push(older);
  return db
    .select()
    .from(deadLetters)
    .where(and(...conditions))
    .orderBy(desc(deadLetters.createdAt), desc(deadLetters.id))
    .limit(filter.limit);
}

/** Compare-and-set `dead` → `replayed`; the row when this call won, else undefined. */
export async function markReplayed(db: Db, id: string, by: string, now: number): Promise<DeadLetterRow | undefined> {
  const rows = await db
    .update(deadLetters)
    .set({ status: "replayed", replayedAt: now, replayedBy: by })
    .where(and(eq(deadLetters.id, id), eq(deadLetters.status, "dead")))
    .returning();
  return rows[0];
}

/** Undoes `markReplayed` when the message could not be re-sent. */
export async function unmarkReplayed(db: Db, id: string): Promise<void> {
  await db
    .update(deadLetters)
    .set({ status: "dead", replayedAt: null, replayedBy: null })
    .where(and(eq(deadLetters.id, id), eq(deadLetters.status, "replayed")));
}
