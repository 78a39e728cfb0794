/**
 * The platform's queues: their names (as in every wrangler config) and producer bindings. Each
 * has a dead-letter queue named `<queue>-dlq` that the events Worker records into D1.
 */

/** Queue name → the binding name producers use for it. */
export const QUEUES = {
  "order-events": "ORDER_EVENTS",
  "payment-events": "PAYMENT_EVENTS",
  "fulfillment-events": "FULFILLMENT_EVENTS",
  "refund-events": "REFUND_EVENTS",
  "catalog-events": "CATALOG_EVENTS",
  "bulk-jobs": "BULK_JOBS",
  // SKU objects' stock views, apart from catalog changes so a burst of stock churn never delays
  // a product going on shelf; consumed in large batches, newest view per SKU only.
  "stock-views": "STOCK_VIEWS",
} as const;

export type QueueName = keyof typeof QUEUES;
export type QueueBinding = (typeof QUEUES)[QueueName];
export const QUEUE_NAMES = Object.keys(QUEUES) as [QueueName, ...QueueName[]];

export const DEAD_LETTER_SUFFIX = "-dlq";

export function isQueueName(name: string): name is QueueName {
  return Object.hasOwn(QUEUES, name);
}

/** The source queue of a dead-letter queue (`payment-events-dlq` → `payment-events`), else null. */
export function sourceOfDeadLetterQueue(name: string): QueueName | null {
  if (!name.endsWith(DEAD_LETTER_SUFFIX)) return null;
  const source = name.slice(0, -DEAD_LETTER_SUFFIX.length);
  return isQueueName(source) ? source : null;
}
