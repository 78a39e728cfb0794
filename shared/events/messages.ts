/**
 * Every queue message, in one place. A message is an envelope `{ id, type, occurredAt, data }`:
 * `id` is the event id (consumers deduplicate by it), `type` names a fact that already happened
 * (never a command), `data` is the type's payload. Each queue accepts the union of its types.
 * Domains add their event types here as they land (order.created, payment.succeeded, ...).
 */
import { z } from "zod";
import { stockViewSchema } from "../inventory/schemas";
import { newId } from "../platform/ids";
import { QUEUE_NAMES, type QueueName } from "./queues";

function event<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.object({
    id: z.string().min(1).max(64),
    type: z.literal(type),
    occurredAt: z.number().int().nonnegative(),
    data,
  });
}

/**
 * An operator's end-to-end probe of one queue: sent by the admin Worker, consumed by the events
 * Worker, which marks the canary row consumed. Accepted on every queue.
 */
export const canaryEvent = event(
  "platform.canary",
  z.object({ canaryId: z.string().min(1), queue: z.enum(QUEUE_NAMES) }),
);

/** A product's content, status, prices or stock changed: search documents and caches refresh. */
export const productChangedEvent = event(
  "catalog.product_changed",
  z.object({
    productId: z.string().min(1),
    shopId: z.string().min(1),
    /** `price_window`: a price row takes effect or expires now (sent delayed, see catalog/price-windows). */
    change: z.enum(["created", "updated", "status", "price", "stock", "price_window"]),
    /** The product's version after the change (stock and price changes do not move it). */
    version: z.number().int().positive(),
  }),
);

/** A bulk job's chunk is stored and ready to process (the rows are in D1, not in the message). */
export const bulkChunkEvent = event(
  "bulk.chunk_ready",
  z.object({ jobId: z.string().min(1), chunk: z.number().int().nonnegative() }),
);

/**
 * A search rebuild job's next chunk is due: the products after `after` (by id; null: from the
 * first). Handled once per chunk by the job's compare-and-set on its cursor.
 */
export const searchRebuildChunkEvent = event(
  "search.rebuild_chunk_ready",
  z.object({ jobId: z.string().min(1), after: z.string().min(1).nullable() }),
);

/**
 * A SKU object's stock moved (reservations, payments, releases, adjustments): its whole view,
 * sent by the object's alarm once per burst of writes. The D1 projection keeps the newest revision.
 */
export const stockChangedEvent = event("inventory.stock_changed", z.object({ view: stockViewSchema }));

/** Available stock of a SKU fell to its safety-stock threshold (once per crossing). */
export const lowStockEvent = event(
  "inventory.low_stock",
  z.object({
    skuId: z.string().min(1),
    available: z.number().int(),
    threshold: z.number().int(),
  }),
);

/** A checkout created a pay order and one order per seller under it. */
export const orderCreatedEvent = event(
  "order.created",
  z.object({
    payOrderId: z.string().min(1),
    userId: z.string().min(1),
    orderIds: z.array(z.string().min(1)).min(1),
    payAmount: z.number().int(),
    currency: z.string().length(3),
  }),
);

/** Sent delayed at creation: when it arrives, a still-unpaid pay order's orders cancel themselves. */
export const paymentTimeoutEvent = event(
  "order.payment_timeout",
  z.object({ payOrderId: z.string().min(1), payBy: z.number().int() }),
);

/** An order was cancelled and its stock holds released. */
export const orderCancelledEvent = event(
  "order.cancelled",
  z.object({
    orderId: z.string().min(1),
    payOrderId: z.string().min(1),
    reason: z.string(),
  }),
);

/**
 * A payment provider's webhook was verified and stored in the inbox (payment_provider_events);
 * the consumer reads the event from there. Its id is derived from the provider event id, so every
 * delivery of one provider event is one message id.
 */
export const providerEventReceived = event(
  "payment.provider_event",
  z.object({
    provider: z.enum(["sandbox", "stripe"]),
    providerEventId: z.string().min(1).max(255),
    type: z.string().min(1).max(100),
  }),
);

/** Money in a message: integer minor units and an ISO currency code. */
const messageMoney = z.object({ amount: z.number().int(), currency: z.string().length(3) });

/**
 * An order's payment was applied (status PAID, stock sold, ledger posted): fulfillment starts
 * from here. Sent once per order from the outbox of the batch that marked it paid.
 */
export const orderPaidEvent = event(
  "order.paid",
  z.object({
    orderId: z.string().min(1),
    payOrderId: z.string().min(1),
    paymentId: z.string().min(1),
    userId: z.string().min(1),
    shopId: z.string().min(1),
    kind: z.enum(["physical", "virtual"]),
    total: messageMoney,
  }),
);

/**
 * An order completed (the shopper confirmed receipt, the cron auto-completed it, or its top-up was
 * delivered): its coins are already earned, in the batch that completed it. Sent once per order
 * from that batch's outbox; the id derives from the order, so every send of it is one message.
 */
export const orderCompletedEvent = event(
  "order.completed",
  z.object({
    orderId: z.string().min(1),
    payOrderId: z.string().min(1),
    userId: z.string().min(1),
    shopId: z.string().min(1),
    kind: z.enum(["physical", "virtual"]),
    total: messageMoney,
  }),
);

/**
 * A carrier's callback was stored in the carrier-event inbox (carrier_events); the consumer applies
 * it to its shipment. The message id derives from the carrier and its event id, so every delivery
 * of one callback is one message to the consumer's inbox.
 */
export const carrierEventReceived = event(
  "shipment.carrier_event",
  z.object({
    carrier: z.string().min(1).max(32),
    carrierEventId: z.string().min(1).max(255),
    type: z.string().min(1).max(100),
    /** The order whose shard stores the callback (its parcel's); absent: stored in the commerce database, parcel unknown. */
    orderId: z.string().min(1).optional(),
  }),
);

/**
 * A top-up of virtual order `orderId` timed out on attempt `attempt` (shared/fulfillment/
 * virtual-goods.ts). Sent delayed by the retry backoff, so it arrives when the next attempt is
 * due; its id derives from the order and attempt, so one attempt schedules one retry.
 */
export const topupTimedOutEvent = event(
  "fulfillment.topup_timed_out",
  z.object({ orderId: z.string().min(1), attempt: z.number().int().min(1) }),
);

/**
 * A refund row was written and its money must go back through the provider (the consumer asks
 * the provider, with the refund id as idempotency key; the provider's `refund.updated` finishes it).
 */
export const refundRequestedEvent = event(
  "refund.requested",
  z.object({ refundId: z.string().min(1), orderId: z.string().min(1), reason: z.string().min(1) }),
);

/** The message schema of each queue. */
export const QUEUE_MESSAGE_SCHEMAS = {
  "order-events": z.discriminatedUnion("type", [
    canaryEvent,
    orderCreatedEvent,
    paymentTimeoutEvent,
    orderCancelledEvent,
    orderCompletedEvent,
  ]),
  "payment-events": z.discriminatedUnion("type", [canaryEvent, providerEventReceived]),
  "fulfillment-events": z.discriminatedUnion("type", [
    canaryEvent,
    orderPaidEvent,
    carrierEventReceived,
    topupTimedOutEvent,
  ]),
  "refund-events": z.discriminatedUnion("type", [canaryEvent, refundRequestedEvent]),
  // `inventory.stock_changed` moved to stock-views; still accepted here for views already in flight
  // (or dead letters replayed) from before the move.
  "catalog-events": z.discriminatedUnion("type", [canaryEvent, productChangedEvent, stockChangedEvent, lowStockEvent]),
  "bulk-jobs": z.discriminatedUnion("type", [canaryEvent, bulkChunkEvent, searchRebuildChunkEvent]),
  "stock-views": z.discriminatedUnion("type", [canaryEvent, stockChangedEvent]),
} as const satisfies Record<QueueName, z.ZodType>;

export type QueueMessage<Q extends QueueName> = z.infer<(typeof QUEUE_MESSAGE_SCHEMAS)[Q]>;
export type AnyQueueMessage = QueueMessage<QueueName>;
export type EventType = AnyQueueMessage["type"];

/** Builds a message envelope of type `type` with a fresh event id. */
export function makeEvent<T extends EventType>(
  type: T,
  data: Extract<AnyQueueMessage, { type: T }>["data"],
  nowMs: number,
): Extract<AnyQueueMessage, { type: T }> {
  return { id: newId("event", nowMs), type, occurredAt: nowMs, data } as Extract<AnyQueueMessage, { type: T }>;
}
