/**
 * Paying refunds out through the provider, and applying what the provider reports back.
 * - `refund.requested` (refund-events): post the decided refund's owed money (by key; the decision
 *   could not post it in its shard batch: shared/refunds/payout-start.ts), then ask the provider for
 *   a PROCESSING refund, with the refund id as idempotency key (a redelivered message asks again
 *   and gets the same provider refund) and the order number in its metadata.
 * - `refund.updated` (payment-events, from the provider): found by `metadata.refundId` in the
 *   order shard `metadata.orderId` names (a refund asked before metadata had it is looked for on
 *   every shard). Succeeded → first, in the commerce database, the payout's refund_paid posting
 *   (by key) and the coins and vouchers it gives back (idempotent); then ONE batch in the order's
 *   shard: the refund REFUNDED, the order's payment status REFUNDED or PARTIALLY_REFUNDED, its
 *   refundStatus following. A crash between the two re-runs both on redelivery, the first posting
 *   nothing twice (docs/decisions.md "Refunds across order shards"). Failed → FAILED and an
 *   alert. The amount must be the refund's, else a discrepancy.
 */

import { eq } from "drizzle-orm";
import { orders } from "../../db/schema";
import { preparePosting } from "../ledger/transactions";
import type { OrderHome } from "../orders/order-store";
import { loadPayOrder, refundedStatements } from "../orders/payment-status";
import { type Db, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import type { Currency } from "../platform/money";
import { refundedPromotionsStatements } from "../promotions/refund-returns";
import { isAutomaticRefund, postAfterBatch } from "../refunds/payout-start";
import { orderRefundStatements } from "../refunds/refund-writes";
import { itemsOfRefunds, loadRefundableOrder } from "../refunds/refunds-read";
import { adapterFor, type PaymentAdapters } from "./adapters";
import { type ApplyDeps, commitOrRetry, type Outcome } from "./apply-payment-event";
import { recordDiscrepancy } from "./discrepancies";
import { findPayment } from "./payments-repo";
import { refundOwedPosting, refundPaidPosting } from "./postings";
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
  deps: Pick<ApplyDeps, "db" | "orders" | "clock" | "log"> & { adapters: PaymentAdapters },
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
  // Before the provider is asked, so refund_paid never precedes it (an automatic refund's was
  // posted with its capture, under the payment's key).
  if (!isAutomaticRefund(refund)) {
    await postAfterBatch(
      deps.db,
      [
        refundOwedPosting({
          provider: payment.provider,
          refundId: refund.id,
          amount: refund.amount,
          currency: refund.currency,
        }),
      ],
      deps.clock.now(),
    );
  }
  const adapter = adapterFor(deps.adapters, payment.provider as PaymentProvider);
  const created = await adapter.refund({
    refundId: refund.id,
    orderId: refund.orderId,
    providerPaymentId: payment.providerPaymentId,
    amount: { amount: refund.amount, currency: refund.currency as Currency },
    reason: refund.reason,
    idempotencyKey: payoutKeyOf(refund),
    payoutAttempt: refund.payoutAttempt,
  });
  await home.batch([repo.setProviderRefundId(home.db, refund.id, created.providerRefundId, deps.clock.now())]);
}

const findOrder = (db: Db, id: string) => db.query.orders.findFirst({ where: eq(orders.id, id) });

/** A text our side put in the provider refund's metadata (`refundId`, `orderId`), if any. */
function metadataText(object: Record<string, unknown>, key: string): string | null {
  const metadata = object.metadata as Record<string, unknown> | null | undefined;
  const value = metadata?.[key];
  return typeof value === "string" && value.length > 0 ? value : null;
}

/**
 * Refund `refundId` and its home: the shard its order's number names when the event carries it,
 * else (a refund asked of the provider before metadata had it) whichever shard holds it, read
 * again at its order's home (a slot's old copy outlives its move a while).
 */
async function findRefundAt(
  deps: ApplyDeps,
  refundId: string,
  orderId: string | null,
): Promise<{ refund: repo.RefundRow; home: OrderHome } | null> {
  let number = orderId;
  for (const shard of number === null ? deps.orders.all() : []) {
    number = (await repo.findRefund(shard.db, refundId))?.orderId ?? null;
    if (number !== null) break;
  }
  const home = number === null ? null : await deps.orders.homeOfNumber(number);
  const refund = home ? await repo.findRefund(home.db, refundId) : undefined;
  return home && refund ? { refund, home } : null;
}

/** Applies `refund.updated` (Stripe's `charge.refunded` carries nothing more; it is acknowledged). */
export async function applyRefundEvent(
  deps: ApplyDeps,
  provider: PaymentProvider,
  event: ProviderEvent,
): Promise<Outcome> {
  if (event.type !== "refund.updated") return { status: "applied", note: `ignored: ${event.type}` };
  const object = event.data.object;
  const refundId = metadataText(object, "refundId");
  const found = refundId ? await findRefundAt(deps, refundId, metadataText(object, "orderId")) : null;
  const payment = found ? await findPayment(found.home.db, found.refund.paymentId) : undefined;
  if (!found || payment?.provider !== provider) {
    return { status: "parked", note: `unknown_refund: ${refundId ?? "no metadata.refundId"}` };
  }
  const { refund, home } = found;
  const { db } = home;
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
  // The commerce side first (by key): a crash or a fenced shard before the shard's batch leaves the
  // inbox row received, and the redelivery runs both again, this part posting nothing twice.
  if (status === "succeeded") await commercePaid(deps, db, refund, { now, provider });
  const statements =
    status === "succeeded"
      ? await succeededStatements(db, refund, { opId, now, providerRefundId })
      : [
          ...repo.moveRefundStatements(
            db,
            refund,
            { status: "FAILED", note: `provider: ${status}`, ...providerRefundId },
            { opId, now },
          ),
        ];
  // Last in the batch: the order's refundStatus follows (a racing move of it makes this a
  // retryable conflict, and the redelivery reads the order again).
  const order = repo.returnsOrdersMoney(refund) ? await findOrder(db, refund.orderId) : undefined;
  if (order) {
    statements.push(
      ...orderRefundStatements(db, order, refund.status, [status === "succeeded" ? "succeed" : "fail"], {
        opId,
        now,
        actor: { type: "refund", id: refund.id },
      }),
    );
  }
  await commitOrRetry(home, statements, `Refund ${refund.id}`);
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

/**
 * The commerce side of a payout the provider made, before the shard's batch: the refund_paid
 * posting and what the refund gives back of promotions, in one batch of the commerce database,
 * each once (by key, by the use's status as read) however often the event is applied.
 */
async function commercePaid(
  deps: ApplyDeps,
  orderDb: Db,
  refund: repo.RefundRow,
  change: { now: number; provider: string },
): Promise<void> {
  await runBatch(deps.db, [
    ...preparePosting(
      deps.db,
      refundPaidPosting({
        provider: change.provider,
        refundId: refund.id,
        amount: refund.amount,
        currency: refund.currency,
      }),
      change.now,
    ).statements,
    ...(await promotionsBack(deps.db, orderDb, refund, change.now)),
  ]);
}

/** The shard's batch of a payout the provider made (in the refund's order shard `db`). */
async function succeededStatements(
  db: Db,
  refund: repo.RefundRow,
  change: { opId: string; now: number; providerRefundId: { providerRefundId?: string } },
) {
  const state = await loadPayOrder(db, refund.payOrderId);
  const earlier = (await repo.refundsOfOrder(db, refund.orderId))
    .filter((r) => r.status === "REFUNDED" && r.id !== refund.id && repo.returnsOrdersMoney(r))
    .reduce((sum, r) => sum + r.amount, 0);
  return [
    ...repo.moveRefundStatements(db, refund, { status: "REFUNDED", ...change.providerRefundId }, change),
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
  ];
}

/**
 * The coins the refund's units hold and, once the order is wholly refunded, its voucher uses:
 * given back when the money is (just before the shard's batch that makes the refund REFUNDED), so
 * a payout that fails gives back nothing that would have to be taken back
 * (shared/promotions/refund-returns.ts). Read in the order's shard, written in the commerce `db`.
 */
async function promotionsBack(db: Db, orderDb: Db, refund: repo.RefundRow, now: number) {
  if (!repo.returnsOrdersMoney(refund)) return [];
  const [{ order, items }, lines] = await Promise.all([
    loadRefundableOrder(orderDb, refund.orderId, { all: true }),
    itemsOfRefunds(orderDb, [refund.id]),
  ]);
  return refundedPromotionsStatements(db, orderDb, {
    refundId: refund.id,
    order,
    coins: (lines.get(refund.id) ?? []).reduce((sum, l) => sum + l.coins, 0),
    wholeOrderHeld: items.every((i) => i.refundHeldQuantity === i.quantity),
    now,
  });
}
