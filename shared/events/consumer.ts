/**
 * The consumer loop every queue shares. For each message of a batch:
 * 1. parse it against the queue's schema: an unparseable message can never succeed, so it is
 *    recorded as a dead letter and acknowledged;
 * 2. skip it if the inbox says this consumer already handled its event id (redelivery);
 * 3. run the handler for its type, record the event id, acknowledge;
 * 4. on a retryable failure (an `AppError` marked retryable, or any unknown error such as a D1
 *    hiccup) retry that message alone with exponential backoff; Queues moves it to the
 *    dead-letter queue after `max_retries`. A non-retryable `AppError` is dead-lettered at once.
 * Handlers must still be idempotent: a crash between the handler and the inbox write redelivers.
 * A queue may coalesce (see `Coalesce`): of several messages about one thing in a batch, only the
 * newest is handled.
 */

import type { SkuInventory } from "../../durable-objects/sku-inventory";
import type { FlashQuota } from "../flash-sales/quota";
import type { TopupService } from "../fulfillment/topup-service";
import type { OrderStore } from "../orders/order-store";
import type { PaymentAdapters } from "../payments/adapters";
import type { Clock } from "../platform/clock";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { errorFields, type Logger } from "../platform/logger";
import type { PromotionSettings } from "../promotions/settings";
import type { ConsumerMetrics } from "./consumer-metrics";
import { recordDeadLetter } from "./dead-letters";
import { isProcessed, markProcessed } from "./inbox-repo";
import { QUEUE_MESSAGE_SCHEMAS, type QueueMessage } from "./messages";
import type { Producers } from "./producer";
import type { QueueName } from "./queues";

export interface ConsumerDeps {
  /** The commerce database. */
  db: Db;
  /** The order shards (shared/orders/order-store.ts). */
  orders: OrderStore;
  clock: Clock;
  log: Logger;
  /** Queue producers, for handlers that publish follow-up facts. */
  producers: Producers;
  /** The SKU inventory objects (hosted by the storefront Worker). */
  inventory: DurableObjectNamespace<SkuInventory>;
  /** The payment providers this deployment is configured for (handlers that call a provider). */
  adapters: PaymentAdapters;
  /** The top-up provider and retry policy virtual goods are delivered with (absent: none here). */
  topups?: TopupService;
  /** Where outcomes and first-time facts are counted (absent: not counted). */
  metrics?: ConsumerMetrics;
  /** COINS_EARN_PER_MAJOR and friends, for handlers that complete orders (absent: the defaults). */
  promotions?: PromotionSettings;
  /** Flash-sale quotas, for handlers giving back a cancelled flash order's admission. */
  flashQuota?: FlashQuota;
}

/** One handler per message type of queue `Q`. */
export type Handlers<Q extends QueueName> = {
  [T in QueueMessage<Q>["type"]]: (
    message: Extract<QueueMessage<Q>, { type: T }>,
    deps: ConsumerDeps & { attempts: number },
  ) => Promise<void>;
};

/** Base and cap of the retry delay: 5 s, 10 s, 20 s, ... up to 15 minutes. */
export const RETRY_BASE_SECONDS = 5;
export const RETRY_MAX_SECONDS = 900;

/** The delay before retry number `attempts` (1 = the first delivery failed). */
export function backoffSeconds(attempts: number): number {
  return Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Messages that supersede one another, by key: of those with the same key in one batch only the
 * one of highest rank is handled; the others are acknowledged unhandled. Only for handlers
 * guarded by that rank (a projection that keeps the newest revision), which also makes the inbox
 * redundant for them, so they skip it. `key` answering `null`: the message is handled as usual.
 * With `handleAll`, the batch's newest messages are handled in one call (one projection write
 * for the batch); if it fails they are all retried (or dead-lettered when the failure is final).
 */
export interface Coalesce<Q extends QueueName> {
  key: (event: QueueMessage<Q>) => { key: string; rank: number } | null;
  handleAll?: (events: QueueMessage<Q>[], deps: ConsumerDeps) => Promise<void>;
}

/** How many coalesced messages (distinct keys, so independent) are handled at once. */
export const COALESCED_CONCURRENCY = 8;

/**
 * Consumes `batch` from `queue` with `handlers`; acknowledges or retries each message alone.
 * With `coalesce`, superseded messages are acknowledged and the rest run a few at a time.
 */
export async function consumeBatch<Q extends QueueName>(
  queue: Q,
  batch: MessageBatch<unknown>,
  handlers: Handlers<Q>,
  deps: ConsumerDeps,
  coalesce?: Coalesce<Q>,
): Promise<void> {
  const schema = QUEUE_MESSAGE_SCHEMAS[queue];
  const plain: [Message<unknown>, QueueMessage<Q>][] = [];
  const newest = new Map<string, { message: Message<unknown>; event: QueueMessage<Q>; rank: number }>();
  for (const message of batch.messages) {
    const parsed = schema.safeParse(message.body);
    if (!parsed.success) {
      deps.log
        .child({ queue, messageId: message.id, attempts: message.attempts })
        .error("unparseable message dead-lettered", { issues: parsed.error.issues.slice(0, 5) });
      const reason = `invalid_message: ${parsed.error.issues[0]?.message ?? "does not match the schema"}`;
      await deadLetter(queue, message, reason, deps);
      continue;
    }
    const event = parsed.data as QueueMessage<Q>;
    const slot = coalesce?.key(event);
    if (!slot) {
      plain.push([message, event]);
      continue;
    }
    const held = newest.get(slot.key);
    if (held && held.rank > slot.rank) {
      message.ack(); // superseded by a newer one in this batch
      deps.metrics?.outcome(queue, "processed");
      continue;
    }
    if (held) {
      held.message.ack();
      deps.metrics?.outcome(queue, "processed");
    }
    newest.set(slot.key, { message, event, rank: slot.rank });
  }
  for (const [message, event] of plain) await consumeOne(queue, message, event, handlers, deps, true);
  const coalesced = [...newest.values()];
  if (coalesce?.handleAll && coalesced.length > 0) {
    await consumeAll(queue, coalesced, coalesce.handleAll, deps);
    return;
  }
  for (let i = 0; i < coalesced.length; i += COALESCED_CONCURRENCY) {
    await Promise.all(
      coalesced
        .slice(i, i + COALESCED_CONCURRENCY)
        .map(({ message, event }) => consumeOne(queue, message, event, handlers, deps, false)),
    );
  }
}

/** Handles coalesced messages in one call; acknowledges them all, or retries (dead-letters) them all. */
async function consumeAll<Q extends QueueName>(
  queue: Q,
  items: { message: Message<unknown>; event: QueueMessage<Q> }[],
  handleAll: (events: QueueMessage<Q>[], deps: ConsumerDeps) => Promise<void>,
  deps: ConsumerDeps,
): Promise<void> {
  try {
    await handleAll(
      items.map((i) => i.event),
      deps,
    );
    for (const { message, event } of items) {
      message.ack();
      deps.metrics?.outcome(queue, "processed");
      deps.metrics?.handled(event);
    }
  } catch (err) {
    const log = deps.log.child({ queue, messages: items.length });
    if (err instanceof AppError && !err.retryable) {
      log.error("permanent failure of a coalesced batch dead-lettered", { code: err.code, detail: err.detail });
      for (const { message } of items) await deadLetter(queue, message, `${err.code}: ${err.detail}`, deps);
      return;
    }
    log.warn("coalesced batch failed; retrying", errorFields(err));
    for (const { message } of items) {
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
      deps.metrics?.outcome(queue, "retried");
    }
  }
}

/** Records a message that can never succeed (or ran out of retries) as a dead letter, and acks it. */
async function deadLetter(queue: QueueName, message: Message<unknown>, reason: string, deps: ConsumerDeps) {
  await recordDeadLetter(deps.db, {
    queue,
    messageId: message.id,
    body: message.body,
    attempts: message.attempts,
    reason,
    now: deps.clock.now(),
  });
  message.ack();
  deps.metrics?.outcome(queue, "deadLettered");
}

/** Handles one parsed message: inbox check (unless coalesced), handler, inbox record, ack or retry. */
async function consumeOne<Q extends QueueName>(
  queue: Q,
  message: Message<unknown>,
  event: QueueMessage<Q>,
  handlers: Handlers<Q>,
  deps: ConsumerDeps,
  inbox: boolean,
): Promise<void> {
  const log = deps.log.child({ queue, messageId: message.id, attempts: message.attempts });
  try {
    if (inbox && (await isProcessed(deps.db, queue, event.id))) {
      log.info("duplicate delivery skipped", { eventId: event.id, type: event.type });
      message.ack();
      deps.metrics?.outcome(queue, "processed");
      return;
    }
    const handler = handlers[event.type as QueueMessage<Q>["type"]] as (
      m: QueueMessage<Q>,
      d: ConsumerDeps & { attempts: number },
    ) => Promise<void>;
    await handler(event, { ...deps, log, attempts: message.attempts });
    if (inbox) await markProcessed(deps.db, queue, event.id, deps.clock.now());
    message.ack();
    deps.metrics?.outcome(queue, "processed");
    deps.metrics?.handled(event);
  } catch (err) {
    if (err instanceof AppError && !err.retryable) {
      log.error("permanent failure dead-lettered", { eventId: event.id, code: err.code, detail: err.detail });
      await deadLetter(queue, message, `${err.code}: ${err.detail}`, deps);
      return;
    }
    const delaySeconds = backoffSeconds(message.attempts);
    log.warn("handler failed; retrying", { eventId: event.id, delaySeconds, ...errorFields(err) });
    message.retry({ delaySeconds });
    deps.metrics?.outcome(queue, "retried");
  }
}

/** Records every message of a dead-letter batch for `source` and acknowledges it. */
export async function consumeDeadLetters(
  source: QueueName,
  batch: MessageBatch<unknown>,
  deps: ConsumerDeps,
): Promise<void> {
  for (const message of batch.messages) {
    deps.log.error("message dead-lettered after retries", { queue: source, messageId: message.id });
    await deadLetter(source, message, "retries_exhausted", deps);
  }
}
