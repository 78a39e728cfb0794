/** The events Worker's queue dispatch and cron housekeeping, apart from the entry so tests call them. */
import { consumeBatch, consumeDeadLetters } from "../../shared/events/consumer";
import { drainOutbox } from "../../shared/events/outbox";
import { isQueueName, sourceOfDeadLetterQueue } from "../../shared/events/queues";
import { inventoryOf } from "../../shared/inventory/binding";
import { expireOverdue } from "../../shared/orders/orders";
import { purgeFinishedSagas, sweepStaleSagas } from "../../shared/orders/sweeper";
import { type Clock, systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { purgeExpired } from "../../shared/platform/idempotency-repo";
import { createLogger } from "../../shared/platform/logger";
import { HANDLERS } from "./handlers";

const log = createLogger({ worker: "events" });

/** Routes a batch to its queue's consumer (or the dead-letter recorder for `*-dlq`). */
export async function handleBatch(
  batch: MessageBatch<unknown>,
  env: EventsEnv,
  clock: Clock = systemClock,
): Promise<void> {
  const deps = { db: dbOf(env.DB), clock, log, producers: env, inventory: inventoryOf(env) };
  const source = sourceOfDeadLetterQueue(batch.queue);
  if (source) return consumeDeadLetters(source, batch, deps);
  const queue = batch.queue;
  if (!isQueueName(queue)) {
    // A misrouted binding is a deploy error: retry so nothing is lost while it is fixed.
    log.error("batch from an unknown queue", { queue });
    batch.retryAll({ delaySeconds: 60 });
    return;
  }
  // Each queue's handlers are typed for that queue; the map guarantees the pairing.
  await consumeBatch(queue, batch, HANDLERS[queue] as never, deps);
}

/**
 * Cron housekeeping: purge expired idempotency keys, send outbox rows their writers left behind,
 * undo abandoned checkouts, cancel unpaid orders whose timeout message never came, and purge
 * sagas finished more than a week ago.
 */
export async function runHousekeeping(env: EventsEnv, clock: Clock = systemClock) {
  const db = dbOf(env.DB);
  const deps = { db, clock, producers: env, inventory: inventoryOf(env) };
  const idempotencyKeysPurged = await purgeExpired(db, clock.now());
  const outboxSent = await drainOutbox(db, env, clock.now());
  const { compensated: sagasCompensated } = await sweepStaleSagas(deps);
  const overdueCancelled = await expireOverdue(deps);
  const sagasPurged = await purgeFinishedSagas(db, clock.now());
  const result = { idempotencyKeysPurged, outboxSent, sagasCompensated, overdueCancelled, sagasPurged };
  log.info("housekeeping done", result);
  return result;
}
