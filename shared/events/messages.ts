/**
 * Every queue message, in one place. A message is an envelope `{ id, type, occurredAt, data }`:
 * `id` is the event id (consumers deduplicate by it), `type` names a fact that already happened
 * (never a command), `data` is the type's payload. Each queue accepts the union of its types.
 * Domains add their event types here as they land (order.created, payment.succeeded, ...).
 */
import { z } from "zod";
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
    change: z.enum(["created", "updated", "status", "price", "stock"]),
    /** The product's version after the change (stock and price changes do not move it). */
    version: z.number().int().positive(),
  }),
);

/** A bulk job's chunk is stored and ready to process (the rows are in D1, not in the message). */
export const bulkChunkEvent = event(
  "bulk.chunk_ready",
  z.object({ jobId: z.string().min(1), chunk: z.number().int().nonnegative() }),
);

/** The message schema of each queue. */
export const QUEUE_MESSAGE_SCHEMAS = {
  "order-events": z.discriminatedUnion("type", [canaryEvent]),
  "payment-events": z.discriminatedUnion("type", [canaryEvent]),
  "fulfillment-events": z.discriminatedUnion("type", [canaryEvent]),
  "refund-events": z.discriminatedUnion("type", [canaryEvent]),
  "catalog-events": z.discriminatedUnion("type", [canaryEvent, productChangedEvent]),
  "bulk-jobs": z.discriminatedUnion("type", [canaryEvent, bulkChunkEvent]),
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
