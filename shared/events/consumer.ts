/**
 * The consumer loop every queue shares. For each message of a batch:
 * 1. parse it against the queue's schema: an unparseable message can never succeed, so it is
 *    recorded as a dead letter and acknowledged;
 * 2. skip it if the inbox says this consumer already handled its event id (redelivery);
 * 3. run the handler for its type; once the batch's handlers have run, record the handled event
 *    ids and acknowledge those messages;
 * 4. on a retryable failure (an `AppError` marked retryable, or any unknown error such as a D1
 *    hiccup) retry that message alone with exponential backoff; Queues moves it to the
 *    dead-letter queue after `max_retries`. A non-retryable `AppError` is dead-lettered at once.
 * The inbox costs two D1 round trips per batch, not per message: one read of the batch's event ids
 * before the handlers, one write of those handled after (a batch of 10 order events made 20).
 * Handlers must still be idempotent: a crash between a handler and the inbox write redelivers.
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
import { markAllProcessed, processedAmong } from "./inbox-repo";
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
  await consumeWithInbox(queue, plain, handlers, deps);
  const coalesced = [...newest.values()];
  if (coalesce?.handleAll && coalesced.length > 0) {
    await consumeAll(queue, coalesced, coalesce.handleAll, deps);
    return;
  }
  for (let i = 0; i < coalesced.length; i += COALESCED_CONCURRENCY) {
    await Promise.all(
      coalesced.slice(i, i + COALESCED_CONCURRENCY).map(async ({ message, event }) => {
        if (await handle(queue, message, event, handlers, deps)) acknowledge(queue, message, event, deps);
      }),
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
    for (const { message, event } of items) acknowledge(queue, message, event, deps);
  } catch (err) {
    const log = deps.log.child({ queue, messages: items.length });
    if (err instanceof AppError && !err.retryable) {
      log.error("permanent failure of a coalesced batch dead-lettered", { code: err.code, detail: err.detail });
      for (const { message } of items) await deadLetter(queue, message, `${err.code}: ${err.detail}`, deps);
      return;
    }
    log.warn("coalesced batch failed; retrying", errorFields(err));
    for (const { message } of items) retry(queue, message, deps);
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

/**
 * Handles plain messages in batch order behind the inbox: one read says which event ids this
 * consumer handled before (those are acknowledged unhandled), one write records the ids handled
 * now, and only then are their messages acknowledged. A failed inbox read or write retries the
 * messages it concerned, as a failed handler would. An event twice in one batch is handled once.
 */
async function consumeWithInbox<Q extends QueueName>(
  queue: Q,
  items: readonly [Message<unknown>, QueueMessage<Q>][],
  handlers: Handlers<Q>,
  deps: ConsumerDeps,
): Promise<void> {
  if (items.length === 0) return;
  let seen: Set<string>;
  try {
    seen = await processedAmong(
      deps.db,
      queue,
      items.map(([, event]) => event.id),
    );
  } catch (err) {
    for (const [message, event] of items) retryLater(queue, message, event, err, deps);
    return;
  }
  const handled: [Message<unknown>, QueueMessage<Q>][] = [];
  for (const [message, event] of items) {
    if (seen.has(event.id)) {
      logOf(queue, message, deps).info("duplicate delivery skipped", { eventId: event.id, type: event.type });
      message.ack();
      deps.metrics?.outcome(queue, "processed");
      continue;
    }
    if (!(await handle(queue, message, event, handlers, deps))) continue;
    seen.add(event.id);
    handled.push([message, event]);
  }
  if (handled.length === 0) return;
  try {
    await markAllProcessed(
      deps.db,
      queue,
      handled.map(([, event]) => event.id),
      deps.clock.now(),
    );
  } catch (err) {
    for (const [message, event] of handled) retryLater(queue, message, event, err, deps);
    return;
  }
  for (const [message, event] of handled) acknowledge(queue, message, event, deps);
}

function logOf(queue: QueueName, message: Message<unknown>, deps: ConsumerDeps): Logger {
  return deps.log.child({ queue, messageId: message.id, attempts: message.attempts });
}

/**
 * Runs the handler of one parsed message; answers whether it succeeded. A failure is settled
 * here: dead-lettered when final, else retried with backoff.
 */
async function handle<Q extends QueueName>(
  queue: Q,
  message: Message<unknown>,
  event: QueueMessage<Q>,
  handlers: Handlers<Q>,
  deps: ConsumerDeps,
): Promise<boolean> {
  const log = logOf(queue, message, deps);
  try {
    const handler = handlers[event.type as QueueMessage<Q>["type"]] as (
      m: QueueMessage<Q>,
      d: ConsumerDeps & { attempts: number },
    ) => Promise<void>;
    await handler(event, { ...deps, log, attempts: message.attempts });
    return true;
  } catch (err) {
    if (err instanceof AppError && !err.retryable) {
      log.error("permanent failure dead-lettered", { eventId: event.id, code: err.code, detail: err.detail });
      await deadLetter(queue, message, `${err.code}: ${err.detail}`, deps);
      return false;
    }
    retryLater(queue, message, event, err, deps);
    return false;
  }
}

/** Hands a message back to Queues for a later attempt, with backoff growing with its attempts. */
function retryLater(
  queue: QueueName,
  message: Message<unknown>,
  event: { id: string },
  err: unknown,
  deps: ConsumerDeps,
) {
  const delaySeconds = backoffSeconds(message.attempts);
  logOf(queue, message, deps).warn("handler failed; retrying", {
    eventId: event.id,
    delaySeconds,
    ...errorFields(err),
  });
  retry(queue, message, deps, delaySeconds);
}

/** Hands a message back to Queues with its backoff, counted. */
function retry(
  queue: QueueName,
  message: Message<unknown>,
  deps: ConsumerDeps,
  delaySeconds = backoffSeconds(message.attempts),
) {
  message.retry({ delaySeconds });
  deps.metrics?.outcome(queue, "retried");
}

/** Acknowledges a handled message and counts it. */
function acknowledge<Q extends QueueName>(
  queue: Q,
  message: Message<unknown>,
  event: QueueMessage<Q>,
  deps: ConsumerDeps,
) {
  message.ack();
  deps.metrics?.outcome(queue, "processed");
  deps.metrics?.handled(event);
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
