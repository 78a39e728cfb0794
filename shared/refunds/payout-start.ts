/**
 * What a refund needs once its money is decided (it goes PROCESSING): the payment it comes back
 * from, the ledger's refund_owed posting (escrow → refunds payable), and `refund.requested` on
 * refund-events, whose consumer asks the provider (shared/payments/refund-payouts.ts) — all in the
 * batch that moves the refund, so it is decided and paid out, or neither.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { makeEvent } from "../events/messages";
import { type OutboxRow, outboxInsert, outboxRow } from "../events/outbox";
import { preparePosting } from "../ledger/transactions";
import { coveredOrders, type PaymentRow, paymentsOf } from "../payments/payments-repo";
import { refundOwedPosting } from "../payments/postings";
import { refundsOfPayment } from "../payments/refunds-repo";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";

/** Automatic refunds of a payment that did not pay its order (so it is not the one to refund from). */
const UNPAID_BY = ["paid_after_cancel", "duplicate_payment"];

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

/** The posting and the outbox row that start paying refund `refund` out through `provider`. */
export function payoutStartStatements(
  db: Db,
  refund: { id: string; orderId: string; reason: string; amount: number; currency: string },
  provider: string,
  now: number,
): { statements: BatchItem<"sqlite">[]; outbox: OutboxRow } {
  const request = payoutRequestStatements(db, refund, now);
  return {
    statements: [
      ...preparePosting(
        db,
        refundOwedPosting({ provider, refundId: refund.id, amount: refund.amount, currency: refund.currency }),
        now,
      ).statements,
      ...request.statements,
    ],
    outbox: request.outbox,
  };
}
