/**
 * The transactional outbox: an event is written as a row in the same D1 batch as the change it
 * reports, so the fact and its event commit together. The writer sends its rows right after the
 * commit; if it dies first, the events cron sends whatever is older than a grace period. Either
 * way an event may go out twice (writer and cron racing); consumers deduplicate by event id.
 */
import { and, asc, inArray, lt } from "drizzle-orm";
import { outbox } from "../../db/schema";
import type { Db } from "../platform/db";
import type { AnyQueueMessage, QueueMessage } from "./messages";
import { type Producers, publish } from "./producer";
import { isQueueName, type QueueName } from "./queues";

/** Rows younger than this are left to their writer. */
export const OUTBOX_GRACE_MS = 30_000;

/** The insert to put in the change's batch. `deliverAt` delays delivery (e.g. a payment timeout). */
export function outboxInsert<Q extends QueueName>(
  db: Db,
  queue: Q,
  event: QueueMessage<Q>,
  options: { deliverAt?: number } = {},
) {
  return db.insert(outbox).values({
    id: event.id,
    queue,
    body: JSON.stringify(event),
    deliverAt: options.deliverAt ?? null,
    createdAt: event.occurredAt,
  });
}

async function send(db: Db, producers: Producers, rows: (typeof outbox.$inferSelect)[], now: number) {
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

/** Sends the rows with these event ids (the writer, right after its commit). */
export async function sendOutbox(db: Db, producers: Producers, ids: string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  const rows = await db.select().from(outbox).where(inArray(outbox.id, ids));
  await send(db, producers, rows, now);
}

/** Sends rows their writers left behind (the events cron). */
export async function drainOutbox(db: Db, producers: Producers, now: number, limit = 100): Promise<number> {
  const rows = await db
    .select()
    .from(outbox)
    .where(and(lt(outbox.createdAt, now - OUTBOX_GRACE_MS)))
    .orderBy(asc(outbox.createdAt), asc(outbox.id))
    .limit(limit);
  await send(db, producers, rows, now);
  return rows.length;
}
