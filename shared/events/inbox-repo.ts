/** The consumers' inbox (`processed_events`). */
import { and, eq } from "drizzle-orm";
import { processedEvents } from "../../db/schema";
import type { Db } from "../platform/db";

export async function isProcessed(db: Db, consumer: string, eventId: string): Promise<boolean> {
  const row = await db.query.processedEvents.findFirst({
    columns: { eventId: true },
    where: and(eq(processedEvents.consumer, consumer), eq(processedEvents.eventId, eventId)),
  });
  return row !== undefined;
}

export async function markProcessed(db: Db, consumer: string, eventId: string, now: number): Promise<void> {
  await db.insert(processedEvents).values({ consumer, eventId, processedAt: now }).onConflictDoNothing();
}
