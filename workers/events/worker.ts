/** The events Worker's queue dispatch and cron housekeeping, apart from the entry so tests call them. */

import { reindexPriceWindows } from "../../shared/catalog/price-windows";
import { feedSettingsSchema } from "../../shared/discovery/feeds/feed-fetch";
import { runDueFeeds } from "../../shared/discovery/feeds/feed-run";
import { consumeBatch, consumeDeadLetters } from "../../shared/events/consumer";
import { consumerMetrics } from "../../shared/events/consumer-metrics";
import { drainOutbox } from "../../shared/events/outbox";
import { isQueueName, sourceOfDeadLetterQueue } from "../../shared/events/queues";
import { flashQuota } from "../../shared/flash-sales/quota";
import { settleDueCampaigns } from "../../shared/flash-sales/settle";
import { autoCompleteDelivered, fulfillmentSettingsSchema } from "../../shared/fulfillment/complete-order";
import { topupServiceOf } from "../../shared/fulfillment/topup-service";
import { inventoryOf } from "../../shared/inventory/binding";
import { type OrderStore, orderStoreOf } from "../../shared/orders/order-store";
import { expireOverdue } from "../../shared/orders/orders";
import { purgeFinishedSagas, sweepStaleSagas } from "../../shared/orders/sweeper";
import { type PaymentAdapters, type PaymentsEnv, paymentAdapters } from "../../shared/payments/adapters";
import { reconcileIfDue } from "../../shared/payments/reconciliation";
import { requeueStaleEvents } from "../../shared/payments/requeue-events";
import { type Clock, systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { readEnv } from "../../shared/platform/env";
import { purgeExpired } from "../../shared/platform/idempotency-repo";
import { createLogger, errorFields, type Logger } from "../../shared/platform/logger";
import { metricsOf, metricsTargetOf } from "../../shared/platform/metrics/recorder";
import { purgeCountersBefore, ROLLUP_RETENTION_MS } from "../../shared/platform/metrics/rollup-repo";
import { promotionSettingsSchema } from "../../shared/promotions/settings";
import { COALESCE, HANDLERS } from "./handlers";

const log = createLogger({ worker: "events" });

/**
 * Routes a batch to its queue's consumer (or the dead-letter recorder for `*-dlq`), counting each
 * message's outcome; `waitUntil` (the batch's `ctx.waitUntil`) lets the counts flush after it.
 */
export async function handleBatch(
  batch: MessageBatch<unknown>,
  env: EventsEnv,
  clock: Clock = systemClock,
  waitUntil?: (promise: Promise<unknown>) => void,
): Promise<void> {
  const deps = {
    db: dbOf(env.DB),
    orders: orderStoreOf(env, clock),
    clock,
    log,
    producers: env,
    inventory: inventoryOf(env),
    adapters: paymentAdapters(env as unknown as PaymentsEnv),
    topups: topupServiceOf(env as unknown as PaymentsEnv),
    metrics: consumerMetrics(metricsOf("events"), metricsTargetOf(env, log, waitUntil), clock),
    promotions: readEnv(promotionSettingsSchema, env),
    flashQuota: flashQuota(env),
  };
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
  await consumeBatch(queue, batch, HANDLERS[queue] as never, deps, COALESCE[queue] as never);
}

/** What each housekeeping job needs. */
export interface HousekeepingDeps {
  db: ReturnType<typeof dbOf>;
  orders: OrderStore;
  clock: Clock;
  producers: EventsEnv;
  inventory: ReturnType<typeof inventoryOf>;
  adapters: PaymentAdapters;
  log: Logger;
}

/** One housekeeping job: does its work and answers how many things it handled. */
export type HousekeepingJob = (deps: HousekeepingDeps) => Promise<number>;

/**
 * The cron's jobs, in the order they run: purge expired idempotency keys, send outbox rows their
 * writers left behind, re-index products whose price window opened or closed, undo abandoned
 * checkouts, cancel unpaid orders whose timeout message never came, purge sagas finished more than
 * a week ago, reconcile payments once an hour, queue again provider events a queue lost, and
 * complete orders delivered AUTO_COMPLETE_DAYS ago that their shoppers never confirmed, drop
 * metrics rollup minutes older than a week, settle flash sales that ended, and run the feeds that are due.
 */
export const HOUSEKEEPING_JOBS = {
  idempotencyKeysPurged: ({ db, clock }) => purgeExpired(db, clock.now()),
  // The commerce database's outbox, then each order shard's (shard 0 may be the commerce database
  // itself: the drains run one after the other, so the second finds the first's rows gone).
  outboxSent: async ({ db, orders, producers, clock }) => {
    let sent = await drainOutbox(db, producers, clock.now());
    for (const shard of orders.all()) sent += await drainOutbox(shard.db, producers, clock.now(), { deadLetters: db });
    return sent;
  },
  priceWindowsReindexed: (deps) => reindexPriceWindows(deps),
  sagasCompensated: async (deps) =>
    (await sweepStaleSagas({ ...deps, flashQuota: flashQuota(deps.producers) })).compensated,
  overdueCancelled: (deps) => expireOverdue(deps),
  sagasPurged: (deps) => purgeFinishedSagas(deps, deps.clock.now()),
  reconciliationRuns: (deps) => reconcileIfDue(deps),
  providerEventsRequeued: (deps) => requeueStaleEvents(deps),
  // The producers are the Worker's env, which also carries AUTO_COMPLETE_DAYS and COINS_EARN_PER_MAJOR.
  ordersAutoCompleted: (deps) =>
    autoCompleteDelivered(
      { ...deps, promotions: readEnv(promotionSettingsSchema, deps.producers) },
      readEnv(fulfillmentSettingsSchema, deps.producers),
    ),
  metricMinutesPurged: ({ db, clock }) => purgeCountersBefore(db, clock.now() - ROLLUP_RETENTION_MS),
  // Campaigns past their end and purchase window: quota closed, unsold units back in the SKU's stock.
  flashSalesSettled: (deps) => settleDueCampaigns({ ...deps, quota: flashQuota(deps.producers) }),
  // Feeds whose interval came round: fetched, diffed and applied as bulk jobs (at most 10 a tick).
  feedsRun: (deps) => runDueFeeds({ ...deps, settings: readEnv(feedSettingsSchema, deps.producers) }),
} satisfies Record<string, HousekeepingJob>;

export type HousekeepingJobName = keyof typeof HOUSEKEEPING_JOBS;
/** Each job's count (0 when it failed) and the names of the jobs that failed. */
export type HousekeepingResult = Record<HousekeepingJobName, number> & { failed: HousekeepingJobName[] };

/**
 * Cron housekeeping: every job runs on its own, so one that throws (a D1 hiccup, a bug) is logged
 * and named in `failed` while the others still run; a stuck outbox must not stop the sweeper
 * from releasing abandoned holds or unpaid orders from expiring.
 */
export async function runHousekeeping(
  env: EventsEnv,
  clock: Clock = systemClock,
  jobs: Record<HousekeepingJobName, HousekeepingJob> = HOUSEKEEPING_JOBS,
): Promise<HousekeepingResult> {
  const deps = {
    db: dbOf(env.DB),
    orders: orderStoreOf(env, clock),
    clock,
    producers: env,
    inventory: inventoryOf(env),
    adapters: paymentAdapters(env as unknown as PaymentsEnv),
    log,
  };
  const result = { failed: [] } as unknown as HousekeepingResult;
  for (const name of Object.keys(HOUSEKEEPING_JOBS) as HousekeepingJobName[]) {
    try {
      result[name] = await jobs[name](deps);
    } catch (err) {
      result[name] = 0;
      result.failed.push(name);
      log.error("housekeeping job failed", { job: name, ...errorFields(err) });
    }
  }
  log.info("housekeeping done", result);
  return result;
}

/** The cron trigger: runs housekeeping and fails the invocation if any job failed, so it shows. */
export async function scheduled(
  env: EventsEnv,
  clock: Clock = systemClock,
  jobs: Record<HousekeepingJobName, HousekeepingJob> = HOUSEKEEPING_JOBS,
): Promise<HousekeepingResult> {
  const result = await runHousekeeping(env, clock, jobs);
  if (result.failed.length > 0) throw new Error(`housekeeping jobs failed: ${result.failed.join(", ")}`);
  return result;
}
