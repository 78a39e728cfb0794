/**
 * What a refund needs once its money is decided (it goes PROCESSING): the payment it comes back
 * from, `refund.requested` on refund-events (whose consumer asks the provider,
 * shared/payments/refund-payouts.ts), in the order shard's batch that moves the refund, and the
 * ledger's refund_owed posting (escrow → refunds payable) in the commerce database.
 *
 * The ledger cannot share the shard's batch, and a decision may still be refused when its batch
 * runs (a lost race, a fenced slot), so the posting comes AFTER the batch, under its key
 * `refund:<id>:owed`: posted right after the commit and again by the consumer of
 * `refund.requested` before it asks the provider (postAfterBatch), which the batch's outbox guarantees.
 * A crash in between leaves the ledger one step behind a decided refund until that message is
 * handled, never a posting for a refund that does not exist; and refund_paid never precedes it.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { makeEvent } from "../events/messages";
import { type OutboxRow, outboxInsert, outboxRow } from "../events/outbox";
import { postAll, type TransactionInput } from "../ledger/transactions";
import { coveredOrders, type PaymentRow, paymentsOf } from "../payments/payments-repo";
import { refundOwedPosting } from "../payments/postings";
import { refundsOfPayment } from "../payments/refunds-repo";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";

/** Automatic refunds of a payment that did not pay its order (so it is not the one to refund from). */
const UNPAID_BY = ["paid_after_cancel", "duplicate_payment"];

/**
 * Whether a refund is one a payment's success made (its owed money is posted with the capture,
 * keyed by payment and order: shared/payments/apply-payment-event.ts), not a decided one.
 */
export const isAutomaticRefund = (refund: { reason: string }) => UNPAID_BY.includes(refund.reason);

/** The succeeded payment that paid order `orderId` (409 `invalid_transition` when none did). */
export async function paymentOfOrder(db: Db, order: { id: string; payOrderId: string }): Promise<PaymentRow> {
  const candidates = (await paymentsOf(db, order.payOrderId))
    .filter((p) => p.status === "SUCCEEDED" && coveredOrders(p).some((c) => c.orderId === order.id))
    .reverse();
  for (const payment of candidates) {
    const automatic = (await refundsOfPayment(db, payment.id)).some(
      (r) => r.orderId === order.id && UNPAID_BY.includes(r.reason),
    );
    if (!automatic) return payment;
  }
  throw new AppError("invalid_transition", {
    detail: `Order ${order.id} has no payment to refund`,
    extensions: { machine: "payment", event: "refund_part" },
  });
}

/**
 * The outbox row of `refund.requested` for `refund` (its consumer restocks unshipped units and
 * asks the provider for the payout), with its insert for the batch.
 */
export function payoutRequestStatements(
  db: Db,
  refund: { id: string; orderId: string; reason: string },
  now: number,
): { statements: BatchItem<"sqlite">[]; outbox: OutboxRow } {
  const requested = outboxRow(
    "refund-events",
    makeEvent("refund.requested", { refundId: refund.id, orderId: refund.orderId, reason: refund.reason }, now),
  );
  return { statements: [outboxInsert(db, requested)], outbox: requested };
}

/**
 * The outbox row that starts paying refund `refund` out through `provider` (for the shard's
 * batch), and the owed posting to post once that batch committed (postAfterBatch).
 */
export function payoutStartStatements(
  db: Db,
  refund: { id: string; orderId: string; reason: string; amount: number; currency: string },
  provider: string,
  now: number,
): { statements: BatchItem<"sqlite">[]; outbox: OutboxRow; owed: TransactionInput } {
  const request = payoutRequestStatements(db, refund, now);
  return {
    statements: request.statements,
    outbox: request.outbox,
    owed: refundOwedPosting({ provider, refundId: refund.id, amount: refund.amount, currency: refund.currency }),
  };
}

/** Posts a refund move's ledger postings in the commerce database after its shard batch (once by key, however often this runs). */
export async function postAfterBatch(commerce: Db, postings: readonly TransactionInput[], now: number): Promise<void> {
  if (postings.length > 0) await postAll(commerce, postings, now);
}
