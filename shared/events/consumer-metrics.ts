/**
 * What the consumer loop reports to metrics: each message's outcome per queue (processed, retried,
 * dead-lettered), and the business counters read off the facts it handles for the first time
 * (after the inbox check, so a redelivery is not counted twice):
 * - `order.created` → ordersCreated (one per seller order under the pay order);
 * - `order.paid` → ordersPaid and GMV in the order's currency (minor units);
 * - `payment.provider_event` of a succeeded / failed payment → the payment success rate's terms;
 * - `refund.requested` → refunds.
 */
import type { Clock } from "../platform/clock";
import type { IsolateMetrics, MetricsTarget, QueueOutcome } from "../platform/metrics/recorder";
import type { AnyQueueMessage } from "./messages";

/** The consumer's view of metrics (optional in its deps: tests that drive it alone leave it out). */
export interface ConsumerMetrics {
  outcome(queue: string, outcome: QueueOutcome): void;
  /** A message handled for the first time (not a duplicate delivery). */
  handled(event: AnyQueueMessage): void;
}

/** The provider event types that end a payment attempt (sandbox and Stripe share them). */
const PAYMENT_SUCCEEDED = "payment_intent.succeeded";
const PAYMENT_FAILED = "payment_intent.payment_failed";

/** Consumer metrics recording into `metrics` for `target`. */
export function consumerMetrics(metrics: IsolateMetrics, target: MetricsTarget, clock: Clock): ConsumerMetrics {
  return {
    outcome: (queue, outcome) => metrics.queue(target, queue, outcome, clock.now()),
    handled: (event) => {
      const now = clock.now();
      switch (event.type) {
        case "order.created":
          metrics.business(target, "ordersCreated", event.data.orderIds.length, now);
          return;
        case "order.paid":
          metrics.business(target, "ordersPaid", 1, now);
          metrics.business(target, `gmv_${event.data.total.currency}`, event.data.total.amount, now);
          return;
        case "payment.provider_event":
          if (event.data.type === PAYMENT_SUCCEEDED) metrics.business(target, "paymentsSucceeded", 1, now);
          if (event.data.type === PAYMENT_FAILED) metrics.business(target, "paymentsFailed", 1, now);
          return;
        case "refund.requested":
          metrics.business(target, "refunds", 1, now);
          return;
        default:
          return;
      }
    },
  };
}
