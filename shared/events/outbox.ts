/**
 * The transactional outbox: an event is written as a row in the same D1 batch as the change it
 * reports, so the fact and its event commit together. The writer sends its rows right after the
 * commit; if it dies first, the events cron sends whatever is older than a grace period. Either
 * way an event may go out twice (writer and cron racing); consumers deduplicate by event id.
 */
import { asc, inArray, lt } from "drizzle-orm";
import { outbox } from "../../db/schema";
import type { Db } from "../platform/db";
import type { AnyQueueMessage, QueueMessage } from "./messages";
import { type Producers, publish } from "./producer";
import { isQueueName, type QueueName } from "./queues";

/** Rows younger than this are left to their writer. */
export const OUTBOX_GRACE_MS = 30_000;

export type OutboxRow = typeof outbox.$inferInsert & { deliverAt: number | null };

/** The outbox row of `event` on `queue`; `deliverAt` delays delivery (e.g. a payment timeout). */
export function outboxRow<Q extends QueueName>(
  queue: Q,
  event: QueueMessage<Q>,
  options: { deliverAt?: number } = {},
): OutboxRow {
  return {
    id: event.id,
    queue,
    body: JSON.stringify(event),
    deliverAt: options.deliverAt ?? null,
    createdAt: event.occurredAt,
  };
}

/** The insert to put in the change's batch. */
export function outboxInsert(db: Db, row: OutboxRow) {
  return db.insert(outbox).values(row);
}

/**
 * Sends rows and deletes them: rows a writer just committed (kept in memory, so no read) or rows
 * the cron found left behind.
 */
export async function sendOutbox(db: Db, producers: Producers, rows: readonly OutboxRow[], now: number): Promise<void> {
  for (const row of rows) {
    if (!isQueueName(row.queue)) continue;
    const delaySeconds = row.deliverAt === null ? 0 : Math.max(0, Math.ceil((row.deliverAt - now) / 1000));
    await publish(producers, row.queue, JSON.parse(row.body) as AnyQueueMessage as never, {
      // Queues cap delays at 12 hours; a longer wait is re-checked by the consumer.
      ...(delaySeconds > 0 ? { delaySeconds: Math.min(delaySeconds, 43_200) } : {}),
    });
  }
  if (rows.length > 0)
    await db.delete(outbox).where(
      inArray(
        outbox.id,
        rows.map((r) => r.id),
      ),
    );
}

/** Sends rows their writers left behind (the events cron). */
export async function drainOutbox(db: Db, producers: Producers, now: number, limit = 100): Promise<number> {
  const rows = await db
    .select()
    .from(outbox)
    .where(lt(outbox.createdAt, now - OUTBOX_GRACE_MS))
    .orderBy(asc(outbox.createdAt), asc(outbox.id))
    .limit(limit);
  await sendOutbox(db, producers, rows, now);
  return rows.length;
}
