/**
 * The transactional outbox: an event is written as a row in the same D1 batch as the change it
 * reports, so the fact and its event commit together. The writer sends its rows right after the
 * commit; if it dies first, the events cron sends whatever is older than a grace period. Either
 * way an event may go out twice (writer and cron racing); consumers deduplicate by event id.
 */
import { asc, eq, inArray, lt } from "drizzle-orm";
import { outbox } from "../../db/schema";
import { inChunks, runChunks } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { recordDeadLetter } from "./dead-letters";
import { type AnyQueueMessage, QUEUE_MESSAGE_SCHEMAS, type QueueMessage } from "./messages";
import { type Producers, publishAll } from "./producer";
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
  // One sendBatch per queue (an order's created and payment-timeout events go together).
  const byQueue = new Map<QueueName, { message: AnyQueueMessage; delaySeconds?: number }[]>();
  for (const row of rows) {
    if (!isQueueName(row.queue)) continue;
    const delaySeconds = row.deliverAt === null ? 0 : Math.max(0, Math.ceil((row.deliverAt - now) / 1000));
    const list = byQueue.get(row.queue) ?? [];
    list.push({
      message: JSON.parse(row.body) as AnyQueueMessage,
      // Queues cap delays at 12 hours; a longer wait is re-checked by the consumer.
      ...(delaySeconds > 0 ? { delaySeconds: Math.min(delaySeconds, 43_200) } : {}),
    });
    byQueue.set(row.queue, list);
  }
  for (const [queue, messages] of byQueue) await publishAll(producers, queue, messages as never);
  await runChunks(
    db,
    inChunks(
      rows.map((r) => r.id),
      (ids) => db.delete(outbox).where(inArray(outbox.id, ids)),
    ),
  );
}

/** Why `row` can never be sent (unknown queue, a body that no longer parses), or null. */
function unsendable(row: OutboxRow): { reason: string; body: unknown } | null {
  let body: unknown;
  try {
    body = JSON.parse(row.body);
  } catch (err) {
    return { reason: `unsendable_outbox_row: body is not JSON (${String(err)})`, body: row.body };
  }
  if (!isQueueName(row.queue)) return { reason: `unsendable_outbox_row: unknown queue ${row.queue}`, body };
  const parsed = QUEUE_MESSAGE_SCHEMAS[row.queue].safeParse(body);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  return {
    reason: `unsendable_outbox_row: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "does not match the schema"}`,
    body,
  };
}

/**
 * Sends rows their writers left behind (the events cron) from the outbox of `db`. A row that can
 * never be sent (its body no longer parses against its queue's schema) becomes a dead letter
 * (kept in `deadLetters`, the commerce database, when `db` is an order shard) with the reason and
 * leaves the outbox, instead of failing every run ahead of the rows behind it.
 */
export async function drainOutbox(
  db: Db,
  producers: Producers,
  now: number,
  { limit = 100, deadLetters = db }: { limit?: number; deadLetters?: Db } = {},
): Promise<number> {
  const rows = await db
    .select()
    .from(outbox)
    .where(lt(outbox.createdAt, now - OUTBOX_GRACE_MS))
    .orderBy(asc(outbox.createdAt), asc(outbox.id))
    .limit(limit);
  const sendable: OutboxRow[] = [];
  for (const row of rows) {
    const refused = unsendable(row);
    if (!refused) {
      sendable.push(row);
      continue;
    }
    // Recorded first (idempotent per queue and id), then removed: a crash in between repeats both.
    await recordDeadLetter(deadLetters, {
      queue: row.queue,
      messageId: row.id,
      body: refused.body,
      attempts: 0,
      reason: refused.reason,
      now,
    });
    await db.delete(outbox).where(eq(outbox.id, row.id));
  }
  await sendOutbox(db, producers, sendable, now);
  return rows.length;
}
