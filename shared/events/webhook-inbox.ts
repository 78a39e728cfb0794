/**
 * The webhook Worker's one way of taking in an outside event (a payment provider's, a carrier's):
 * its row in the event's inbox table, stored once by the sender's event id, and the queue message
 * that has a consumer act on it, in the outbox, in one D1 batch; then the message is sent. A
 * redelivery stores nothing new (the inbox insert and the outbox row both do nothing on conflict,
 * and the message id derives from the event id, so the consumer skips a second message). If the
 * send fails the event is still stored and queued: the events cron sends the outbox row, and the
 * sender needs no retry.
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import { errorFields, type Logger } from "../platform/logger";
import { type OutboxRow, outboxInsert, sendOutbox } from "./outbox";
import type { Producers } from "./producer";

export interface ReceiveDeps {
  db: Db;
  producers: Producers;
  clock: Clock;
  log: Logger;
}

/**
 * Stores one verified event with `store` (an insert … ON CONFLICT DO NOTHING RETURNING, so a
 * duplicate returns no row) and its message `row`, then sends the message. Answers whether the
 * event had been stored before. `what` names the sender in the log line of a failed send.
 */
export async function storeOnceAndSend(
  deps: ReceiveDeps,
  input: { store: BatchItem<"sqlite">; row: OutboxRow; eventId: string; what: string },
  now: number,
): Promise<{ duplicate: boolean }> {
  const { db } = deps;
  const [stored] = (await db.batch([input.store, outboxInsert(db, input.row).onConflictDoNothing()])) as [
    unknown[],
    unknown,
  ];
  try {
    await sendOutbox(db, deps.producers, [input.row], now);
  } catch (err) {
    deps.log.warn(`${input.what} event stored; enqueue left to the outbox`, {
      eventId: input.eventId,
      ...errorFields(err),
    });
  }
  return { duplicate: stored.length === 0 };
}
