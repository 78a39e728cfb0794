/**
 * The payment provider adapter: everything our side asks of a provider (sandbox or Stripe), and
 * nothing else. Results come back as events through the webhook Worker, never from these calls:
 * a created payment is PENDING until its `payment_intent.succeeded` is applied, a refund until its
 * `refund.updated`. Every call that creates something carries our own idempotency key, derived
 * from our id (the payment's or the refund's), so a retried call never makes a second one.
 */
import type { Money } from "../platform/money";
import type { PaymentProvider } from "./provider-events";

/** A payment as the provider's records have it (reconciliation compares these with ours). */
export interface ProviderPaymentRecord {
  /** The provider's id (`pi_...`). */
  providerPaymentId: string;
  /** Our payment id, from the metadata we set at creation; null when the provider has none. */
  paymentId: string | null;
  amount: Money;
  status: "pending" | "succeeded" | "failed" | "canceled";
  /** Unix ms. */
  createdAt: number;
}

/** A refund as the provider's records have it. */
export interface ProviderRefundRecord {
  /** The provider's id (`re_...`). */
  providerRefundId: string;
  providerPaymentId: string;
  /** Our refund id, from the metadata we set at creation; null when the provider has none. */
  refundId: string | null;
  amount: Money;
  status: "pending" | "succeeded" | "failed" | "canceled";
  createdAt: number;
}

/** One page of a provider list, newest first; `nextCursor` is null on the last page. */
export interface ProviderPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface CreatePaymentInput {
  /** Our payment id: goes into the provider's metadata (events are matched by it) and the idempotency key. */
  paymentId: string;
  payOrderId: string;
  amount: Money;
  /** Where the provider's hosted page sends the shopper afterwards. */
  returnUrl: string;
  idempotencyKey: string;
}

export interface CreatedPayment {
  providerPaymentId: string;
  /** The provider's hosted page the shopper pays on. */
  redirectUrl: string;
}

export interface CreateRefundInput {
  /** Our refund id: metadata and idempotency key, like a payment's. */
  refundId: string;
  /** Its order's number, in the metadata: it names the order shard the refund's events apply to. */
  orderId?: string;
  providerPaymentId: string;
  amount: Money;
  reason: string;
  idempotencyKey: string;
  /** Which payout attempt of the refund this is (1 unless an operator retried a failed one). */
  payoutAttempt?: number;
}

/**
 * The metadata a provider refund carries: our refund id, its order's number (which names the
 * order's shard, as `payOrderId` does a payment's), and from the second attempt on its number, so
 * an event of an earlier (failed) attempt is told apart from the current one.
 */
export function refundMetadata(
  input: Pick<CreateRefundInput, "refundId" | "orderId" | "payoutAttempt">,
): Record<string, string> {
  const attempt = input.payoutAttempt ?? 1;
  return {
    refundId: input.refundId,
    ...(input.orderId ? { orderId: input.orderId } : {}),
    ...(attempt > 1 ? { payoutAttempt: String(attempt) } : {}),
  };
}

/** The payout attempt a provider refund's metadata names (1 when it names none). */
export function payoutAttemptOf(metadata: Record<string, unknown> | null | undefined): number {
  const attempt = Number(metadata?.payoutAttempt ?? 1);
  return Number.isInteger(attempt) && attempt >= 1 ? attempt : 1;
}

export interface CreatedRefund {
  providerRefundId: string;
  status: "pending" | "succeeded" | "failed";
}

/**
 * What a provider does for us. Implementations: `sandbox-adapter.ts` (the dev/test sandbox over
 * HTTP) and `stripe-adapter.ts` (the official `stripe` package). Errors: a provider that refuses
 * is `AppError("payment_provider_error")` (not retryable unless the provider said so); one that is
 * unreachable or answers 5xx is retryable.
 */
export interface PaymentProviderAdapter {
  readonly provider: PaymentProvider;
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
  /** Cancels a payment that has not succeeded; a payment already succeeded or canceled is left as it is. */
  cancelPayment(input: { providerPaymentId: string; idempotencyKey: string }): Promise<void>;
  refund(input: CreateRefundInput): Promise<CreatedRefund>;
  /** Payments created at or after `since` (unix ms), newest first. */
  listPayments(input: {
    since: number;
    cursor?: string | null;
    limit?: number;
  }): Promise<ProviderPage<ProviderPaymentRecord>>;
  /** Refunds created at or after `since` (unix ms), newest first. */
  listRefunds(input: {
    since: number;
    cursor?: string | null;
    limit?: number;
  }): Promise<ProviderPage<ProviderRefundRecord>>;
}
