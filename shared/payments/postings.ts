/**
 * What money movements payments write to the ledger (seed 账户流水), each under an idempotency key
 * derived from what it is about, so a redelivered event posts nothing twice:
 * - captured: the provider holds the shopper's money for us (provider clearing ↑, platform escrow ↓);
 * - refund owed: escrow moves to refunds payable when a refund is decided (an automatic one's keyed
 *   by its payment and order);
 * - refund paid: the provider paid it out (refunds payable ↑, provider clearing ↓);
 * - refund released: a refund whose payout failed is given up (refunds payable ↑, escrow ↓).
 * Positive amounts are debits, negative credits; each transaction sums to zero.
 */
import { account } from "../ledger/accounts";
import type { TransactionInput } from "../ledger/transactions";
import type { Currency } from "../platform/money";

interface Amount {
  amount: number;
  /** The row's currency column: an ISO code the ledger's schema checks again. */
  currency: string;
}

/** The provider collected `amount` for pay order `payOrderId` (payment `paymentId`). */
export function capturedPosting(
  input: { provider: string; paymentId: string; payOrderId: string } & Amount,
): TransactionInput {
  return {
    kind: "payment_captured",
    ref: input.payOrderId,
    idempotencyKey: `payment:${input.paymentId}:captured`,
    memo: `payment ${input.paymentId}`,
    entries: [
      {
        account: account("provider_clearing", input.provider),
        amount: input.amount,
        currency: input.currency as Currency,
      },
      { account: account("platform_escrow"), amount: -input.amount, currency: input.currency as Currency },
    ],
  };
}

/** Refund `refundId` is owed to the shopper: out of escrow, into refunds payable. */
export function refundOwedPosting(input: { provider: string; refundId: string } & Amount): TransactionInput {
  return {
    kind: "refund_owed",
    ref: input.refundId,
    idempotencyKey: `refund:${input.refundId}:owed`,
    entries: [
      { account: account("platform_escrow"), amount: input.amount, currency: input.currency as Currency },
      {
        account: account("refunds_payable", input.provider),
        amount: -input.amount,
        currency: input.currency as Currency,
      },
    ],
  };
}

/**
 * The owed posting of an automatic refund (a payment that succeeded for an order no longer
 * payable): keyed by the payment and the order, not the refund, because it is posted before the
 * refund row exists in the order's shard (apply-payment-event.ts), so a redelivery after a crash
 * in between posts nothing and takes the refund id from this posting's ref.
 */
export function automaticRefundOwedPosting(
  input: { provider: string; paymentId: string; orderId: string; refundId: string } & Amount,
): TransactionInput {
  return { ...refundOwedPosting(input), idempotencyKey: `payment:${input.paymentId}:${input.orderId}:refund_owed` };
}

/**
 * Refund `refundId` is no longer owed (its payout failed and the shop or an operator released it):
 * the owed posting undone, back from refunds payable into escrow.
 */
export function refundReleasedPosting(input: { provider: string; refundId: string } & Amount): TransactionInput {
  return {
    kind: "refund_released",
    ref: input.refundId,
    idempotencyKey: `refund:${input.refundId}:released`,
    entries: [
      {
        account: account("refunds_payable", input.provider),
        amount: input.amount,
        currency: input.currency as Currency,
      },
      { account: account("platform_escrow"), amount: -input.amount, currency: input.currency as Currency },
    ],
  };
}

/** The provider paid refund `refundId` out of what it holds for us. */
export function refundPaidPosting(input: { provider: string; refundId: string } & Amount): TransactionInput {
  return {
    kind: "refund_paid",
    ref: input.refundId,
    idempotencyKey: `refund:${input.refundId}:paid`,
    entries: [
      {
        account: account("refunds_payable", input.provider),
        amount: input.amount,
        currency: input.currency as Currency,
      },
      {
        account: account("provider_clearing", input.provider),
        amount: -input.amount,
        currency: input.currency as Currency,
      },
    ],
  };
}
