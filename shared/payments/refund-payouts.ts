/**
 * Paying refunds out through the provider, and applying what the provider reports back.
 * - `refund.requested` (refund-events): ask the provider for a PROCESSING refund, with the refund
 *   id as idempotency key (a redelivered message asks again and gets the same provider refund).
 * - `refund.updated` (payment-events, from the provider): succeeded → the refund is REFUNDED, the
 *   payout posted to the ledger, the order's payment status REFUNDED or PARTIALLY_REFUNDED, in one
 *   batch; failed → FAILED and an alert. The amount must be the refund's, else a discrepancy.
 */

import { eq } from "drizzle-orm";
import { orders } from "../../db/schema";
import { preparePosting } from "../ledger/transactions";
import { loadPayOrder, refundedStatements } from "../orders/payment-status";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import type { Currency } from "../platform/money";
import { refundedPromotionsStatements } from "../promotions/refund-returns";
import { orderRefundStatements } from "../refunds/refund-writes";
import { itemsOfRefunds, loadRefundableOrder } from "../refunds/refunds-read";
import { adapterFor, type PaymentAdapters } from "./adapters";
import { type ApplyDeps, commitOrRetry, type Outcome } from "./apply-payment-event";
import { recordDiscrepancy } from "./discrepancies";
import { findPayment } from "./payments-repo";
import { refundPaidPosting } from "./postings";
import { payoutAttemptOf } from "./provider";
import type { PaymentProvider, ProviderEvent } from "./provider-events";
import * as repo from "./refunds-repo";

/**
 * The provider's idempotency key for paying out `refund`: `refund:<id>` for its first attempt,
 * `refund:<id>:<n>` for the n-th (an operator's retry of a FAILED payout), so a retry is a new
 * provider refund while every redelivery of one attempt asks for the same one again.
 */
export const payoutKeyOf = (refund: { id: string; payoutAttempt: number }) =>
  refund.payoutAttempt > 1 ? `refund:${refund.id}:${refund.payoutAttempt}` : `refund:${refund.id}`;

/**
 * Asks the provider to pay refund `refundId` of order `orderId` out (once per refund, however
 * often this runs); the refund lives in the order's shard.
 */
export async function requestPayout(
  deps: Pick<ApplyDeps, "orders" | "clock" | "log"> & { adapters: PaymentAdapters },
  { refundId, orderId }: { refundId: string; orderId: string },
): Promise<void> {
  const home = await deps.orders.homeOfOrder(orderId);
  const refund = await repo.findRefund(home.db, refundId);
  if (!refund) throw new AppError("not_found", { detail: `No refund ${refundId}` });
  if (refund.status !== "PROCESSING" || refund.providerRefundId !== null) return;
  const payment = await findPayment(home.db, refund.paymentId);
  if (!payment?.providerPaymentId) {
    throw new AppError("provider_payment_missing", {
      detail: `Refund ${refundId}'s payment ${refund.paymentId} has no payment at the provider yet`,
      extensions: { refundId, paymentId: refund.paymentId },
      retryable: true,
    });
  }
  const adapter = adapterFor(deps.adapters, payment.provider as PaymentProvider);
  const created = await adapter.refund({
    refundId: refund.id,
    providerPaymentId: payment.providerPaymentId,
    amount: { amount: refund.amount, currency: refund.currency as Currency },
    reason: refund.reason,
    idempotencyKey: payoutKeyOf(refund),
    payoutAttempt: refund.payoutAttempt,
  });
  await home.batch([repo.setProviderRefundId(home.db, refund.id, created.providerRefundId, deps.clock.now())]);
}

const findOrder = (db: ApplyDeps["db"], id: string) => db.query.orders.findFirst({ where: eq(orders.id, id) });

/** The refund id our side put in the provider refund's metadata, if any. */
function refundIdOf(object: Record<string, unknown>): string | null {
  const metadata = object.metadata as Record<string, unknown> | null | undefined;
  const id = metadata?.refundId;
  return typeof id === "string" && id.length > 0 ? id : null;
}

/** Applies `refund.updated` (Stripe's `charge.refunded` carries nothing more; it is acknowledged). */
export async function applyRefundEvent(
  deps: ApplyDeps,
  provider: PaymentProvider,
  event: ProviderEvent,
): Promise<Outcome> {
  if (event.type !== "refund.updated") return { status: "applied", note: `ignored: ${event.type}` };
  const object = event.data.object;
  const refundId = refundIdOf(object);
  const refund = refundId ? await repo.findRefund(deps.db, refundId) : undefined;
  const payment = refund ? await findPayment(deps.db, refund.paymentId) : undefined;
  if (!refund || payment?.provider !== provider) {
    return { status: "parked", note: `unknown_refund: ${refundId ?? "no metadata.refundId"}` };
  }
  const status = String(object.status ?? "");
  if (!["succeeded", "failed", "canceled"].includes(status)) return { status: "applied", note: `pending: ${status}` };
  const now = deps.clock.now();
  const attempt = payoutAttemptOf(object.metadata as Record<string, unknown> | null | undefined);
  if (attempt !== refund.payoutAttempt) return staleAttempt(deps, refund, { attempt, status, object }, now);
  if (refund.status === "REFUNDED" || refund.status === "FAILED") {
    return { status: "applied", note: `no change: refund is ${refund.status}` };
  }
  if (status === "succeeded" && object.amount !== refund.amount) {
    await recordDiscrepancy(
      deps.db,
      {
        kind: "refund_mismatch",
        ref: refund.id,
        expected: { amount: refund.amount },
        actual: { amount: object.amount },
      },
      now,
    );
    return { status: "parked", note: `refund_mismatch: expected ${refund.amount}` };
  }
  const opId = newId("operation", now);
  const providerRefundId =
    typeof object.id === "string" && refund.providerRefundId === null ? { providerRefundId: object.id } : {};
  const statements =
    status === "succeeded"
      ? await succeededStatements(deps, refund, { opId, now, providerRefundId, provider })
      : [
          ...repo.moveRefundStatements(
            deps.db,
            refund,
            { status: "FAILED", note: `provider: ${status}`, ...providerRefundId },
            { opId, now },
          ),
        ];
  // Last in the batch: the order's refundStatus follows (a racing move of it makes this a
  // retryable conflict, and the redelivery reads the order again).
  const order = repo.returnsOrdersMoney(refund) ? await findOrder(deps.db, refund.orderId) : undefined;
  if (order) {
    statements.push(
      ...orderRefundStatements(deps.db, order, refund.status, [status === "succeeded" ? "succeed" : "fail"], {
        opId,
        now,
        actor: { type: "refund", id: refund.id },
      }),
    );
  }
  await commitOrRetry(deps.db, statements, `Refund ${refund.id}`);
  if (status !== "succeeded") {
    deps.log.error("provider could not pay a refund out", { alert: "refund_failed", refundId: refund.id, status });
  }
  return { status: "applied" };
}

/**
 * An event of another payout attempt than the refund's current one. An earlier attempt's failure
 * (late, or redelivered after an operator's retry) changes nothing; an earlier attempt that
 * succeeded after all means the provider may pay twice: parked, with a `refund_mismatch`
 * discrepancy for an operator.
 */
async function staleAttempt(
  deps: ApplyDeps,
  refund: repo.RefundRow,
  event: { attempt: number; status: string; object: Record<string, unknown> },
  now: number,
): Promise<Outcome> {
  if (event.status !== "succeeded") {
    return {
      status: "applied",
      note: `no change: attempt ${event.attempt} ${event.status}; refund is on attempt ${refund.payoutAttempt}`,
    };
  }
  await recordDiscrepancy(
    deps.db,
    {
      kind: "refund_mismatch",
      ref: refund.id,
      expected: { payoutAttempt: refund.payoutAttempt },
      actual: { payoutAttempt: event.attempt, providerRefundId: event.object.id, amount: event.object.amount },
    },
    now,
  );
  deps.log.error("an earlier payout attempt of a refund succeeded", {
    alert: "refund_paid_twice",
    refundId: refund.id,
    attempt: event.attempt,
  });
  return {
    status: "parked",
    note: `refund_mismatch: attempt ${event.attempt} succeeded, refund is on ${refund.payoutAttempt}`,
  };
}

async function succeededStatements(
  deps: ApplyDeps,
  refund: repo.RefundRow,
  change: { opId: string; now: number; providerRefundId: { providerRefundId?: string }; provider: string },
) {
  const { db } = deps;
  const state = await loadPayOrder(db, refund.payOrderId);
  const earlier = (await repo.refundsOfOrder(db, refund.orderId))
    .filter((r) => r.status === "REFUNDED" && r.id !== refund.id && repo.returnsOrdersMoney(r))
    .reduce((sum, r) => sum + r.amount, 0);
  return [
    ...repo.moveRefundStatements(db, refund, { status: "REFUNDED", ...change.providerRefundId }, change),
    ...preparePosting(
      db,
      refundPaidPosting({
        provider: change.provider,
        refundId: refund.id,
        amount: refund.amount,
        currency: refund.currency,
      }),
      change.now,
    ).statements,
    // A duplicate payment's refund leaves the order's payment status as it is (it was paid by another).
    ...(state && repo.returnsOrdersMoney(refund)
      ? refundedStatements(db, state, {
          orderId: refund.orderId,
          refundedTotal: earlier + refund.amount,
          opId: change.opId,
          actor: { type: "refund", id: refund.id },
          now: change.now,
        })
      : []),
    // After the move: whether the order is wholly refunded counts this refund as REFUNDED.
    ...(await promotionsBack(db, refund, change.now)),
  ];
}

/**
 * The coins the refund's units hold and, once the order is wholly refunded, its voucher uses:
 * given back when the money is (here, in the batch that makes the refund REFUNDED), so a payout
 * that fails gives back nothing that would have to be taken back (shared/promotions/refund-returns.ts).
 */
async function promotionsBack(db: ApplyDeps["db"], refund: repo.RefundRow, now: number) {
  if (!repo.returnsOrdersMoney(refund)) return [];
  const [{ order, items }, lines] = await Promise.all([
    loadRefundableOrder(db, refund.orderId, { all: true }),
    itemsOfRefunds(db, [refund.id]),
  ]);
  return refundedPromotionsStatements(db, {
    refundId: refund.id,
    order,
    coins: (lines.get(refund.id) ?? []).reduce((sum, l) => sum + l.coins, 0),
    wholeOrderHeld: items.every((i) => i.refundHeldQuantity === i.quantity),
    now,
  });
}
