/** The consumers' inbox (`processed_events`): which event ids each consumer has handled. */
import { and, eq, inArray } from "drizzle-orm";
import { processedEvents } from "../../db/schema";
import { inChunks, readChunks, runChunks } from "../platform/d1-chunks";
import type { Db } from "../platform/db";

/** Which of `eventIds` `consumer` has handled: one read (per 100 parameters). */
export async function processedAmong(db: Db, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  const rows = await readChunks([...new Set(eventIds)], (ids) =>
    db
      .select({ eventId: processedEvents.eventId })
      .from(processedEvents)
      .where(and(eq(processedEvents.consumer, consumer), inArray(processedEvents.eventId, ids))),
  );
  return new Set(rows.map((r) => r.eventId));
}

/** Records that `consumer` handled `eventIds`: one write (per 100 parameters). */
export async function markAllProcessed(
  db: Db,
  consumer: string,
  eventIds: readonly string[],
  now: number,
): Promise<void> {
  await runChunks(
    db,
    inChunks(eventIds, (ids) =>
      db
        .insert(processedEvents)
        .values(ids.map((eventId) => ({ consumer, eventId, processedAt: now })))
        .onConflictDoNothing(),
    ),
  );
}
