/**
 * Applying a provider's `payment_intent.*` event to our payment, exactly once in effect and in
 * any order (seed: 如何维护订单状态的最终一致性, 重复下单、支付问题):
 * - succeeded: the amount and currency must be the payment's (else a discrepancy, never a
 *   payment); then the capture (and each automatic refund's owed money) is posted to the ledger in
 *   the commerce database, each once by its key, and ONE batch in the pay order's shard moves the
 *   payment to SUCCEEDED and either marks the pay order and its still-open orders PAID (with
 *   `order.paid` in the outbox) or, for orders cancelled meanwhile or a pay order already paid by
 *   another payment, writes automatic refunds. The ledger records the provider's money fact, so it
 *   may lead the order by one redelivery, never lag it (docs/decisions.md "Payments across order
 *   shards"). After the batch, stock holds are confirmed and the outbox sent from the shard; all of
 *   it is idempotent, so a consumer that dies halfway finishes on redelivery (the inbox row stays
 *   `received` until the last step is done).
 * - failed or canceled: a live payment ends and frees its pay order; a late failure after a
 *   success changes nothing.
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { makeEvent } from "../events/messages";
import { type OutboxRow, outboxInsert, outboxRow, sendOutbox } from "../events/outbox";
import type { Producers } from "../events/producer";
import { postAll } from "../ledger/transactions";
import { OrderHome, type OrderStore } from "../orders/order-store";
import {
  confirmPaidStock,
  loadPayOrder,
  paidStatements,
  paymentFailedStatements,
  payOrderReads,
  payOrderStateOf,
} from "../orders/payment-status";
import { target } from "../orders/state-machine";
import type { Clock } from "../platform/clock";
import { type Db, isAssertionFailure, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { errorFields, type Logger } from "../platform/logger";
import { orderRefundStatements } from "../refunds/refund-writes";
import type { PaymentAdapters } from "./adapters";
import { cancelLivePayment } from "./cancel-payment";
import { recordDiscrepancy } from "./discrepancies";
import * as repo from "./payments-repo";
import { automaticRefundOwedPosting, capturedPosting } from "./postings";
import type { ProviderEvent } from "./provider-events";
import { insertRefund, refundsOfPayment, returnsOrdersMoney } from "./refunds-repo";

export interface ApplyDeps {
  /** The commerce database: the provider-event inbox, the ledger, discrepancies. */
  db: Db;
  /** The order shards, where payments, pay orders, orders and refunds live. */
  orders: OrderStore;
  clock: Clock;
  log: Logger;
  producers: Producers;
  inventory: DurableObjectNamespace<SkuInventory>;
  /** The providers, to cancel a payment a success made unnecessary; without them that step is skipped. */
  adapters?: PaymentAdapters;
}

/** What became of an event: applied (perhaps changing nothing), or parked with a note for an operator. */
export type Outcome = { status: "applied" | "parked"; note?: string };

const PAID_STATUSES = ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"];

/**
 * Commits an event's batch (in an order shard: behind its slot's fence); a compare-and-set that
 * lost (a racing delivery, a cancel) is a retryable `version_conflict`, so the redelivery reads
 * the new state and decides again.
 */
export async function commitOrRetry(
  target: Db | OrderHome,
  statements: BatchItem<"sqlite">[],
  what: string,
): Promise<void> {
  try {
    if (target instanceof OrderHome) await target.batch(statements);
    else await runBatch(target, statements);
  } catch (err) {
    if (!isAssertionFailure(err)) throw err;
    throw new AppError("version_conflict", { detail: `${what} changed meanwhile`, retryable: true });
  }
}

/** Applies a `payment_intent.*` event for `payment`, which lives in `home` (its pay order's shard). */
export async function applyPaymentEvent(
  deps: ApplyDeps,
  home: OrderHome,
  payment: repo.PaymentRow,
  event: ProviderEvent,
): Promise<Outcome> {
  const object = event.data.object;
  switch (event.type) {
    case "payment_intent.succeeded":
      return applySucceeded(deps, home, payment, object);
    case "payment_intent.payment_failed":
    case "payment_intent.canceled":
      return applyEnded(deps, home, payment, event.type === "payment_intent.canceled" ? "CANCELED" : "FAILED", object);
    default:
      return { status: "applied", note: `ignored: ${event.type}` };
  }
}

async function applySucceeded(
  deps: ApplyDeps,
  home: OrderHome,
  payment: repo.PaymentRow,
  object: Record<string, unknown>,
): Promise<Outcome> {
  const actual = { amount: object.amount, currency: String(object.currency ?? "").toUpperCase() };
  if (actual.amount !== payment.amount || actual.currency !== payment.currency) {
    const now = deps.clock.now();
    await recordDiscrepancy(
      deps.db,
      {
        kind: "amount_mismatch",
        ref: payment.id,
        expected: { amount: payment.amount, currency: payment.currency },
        actual,
      },
      now,
    );
    deps.log.error("payment event's amount is not the payment's: nothing marked paid", {
      alert: "payment_amount_mismatch",
      paymentId: payment.id,
      expected: payment.amount,
      actual: actual.amount,
    });
    return { status: "parked", note: `amount_mismatch: expected ${payment.amount} ${payment.currency}` };
  }
  let outbox: OutboxRow[] = [];
  if (payment.status !== "SUCCEEDED") {
    outbox = await capture(deps, home, payment, typeof object.id === "string" ? object.id : null);
  }
  // From here on every step may run again on a redelivery, and changes nothing the second time.
  const refunded = new Set((await refundsOfPayment(home.db, payment.id)).map((r) => r.orderId));
  const paidOrderIds = repo
    .coveredOrders(payment)
    .map((o) => o.orderId)
    .filter((id) => !refunded.has(id));
  const unconfirmed = await confirmPaidStock({ ...deps, db: home.db }, paidOrderIds);
  if (unconfirmed.length > 0) {
    deps.log.error("paid order's stock hold could not be confirmed", {
      alert: "paid_hold_unconfirmed",
      paymentId: payment.id,
      holds: unconfirmed,
    });
  }
  if (deps.adapters) {
    // Another attempt still open on the provider's page (started after an earlier one failed,
    // which has now succeeded after all) is cancelled there, so it cannot take the money twice.
    await cancelLivePayment({ orders: deps.orders, adapters: deps.adapters }, payment.payOrderId).catch(
      (err: unknown) =>
        deps.log.warn("superseded payment not cancelled at its provider", {
          paymentId: payment.id,
          ...errorFields(err),
        }),
    );
  }
  await sendOutbox(home.db, deps.producers, outbox, deps.clock.now()).catch((err: unknown) =>
    deps.log.warn("payment follow-ups not sent; the events cron sends them from the outbox", {
      paymentId: payment.id,
      ...errorFields(err),
    }),
  );
  return { status: "applied" };
}

/**
 * The one batch of a success, after its postings. Which orders it pays: the covered orders still
 * CREATED, if the pay order may still be paid. The others get an automatic refund:
 * `duplicate_payment` when another payment already paid the pay order, `paid_after_cancel` when
 * they were cancelled. The payment is read again with the pay order, in one snapshot: a racing
 * delivery that committed meanwhile shows as SUCCEEDED (nothing to do), never as a pay order
 * "paid by another payment" that would post a refund owed for nothing.
 */
async function capture(deps: ApplyDeps, home: OrderHome, read: repo.PaymentRow, providerPaymentId: string | null) {
  const { db } = home;
  const [[payment], ...payOrderRows] = await db.batch([
    repo.paymentRead(db, read.id),
    ...payOrderReads(db, read.payOrderId),
  ]);
  if (!payment) throw new AppError("not_found", { detail: `No payment ${read.id}` });
  if (payment.status === "SUCCEEDED") return [];
  const state = payOrderStateOf(payOrderRows);
  if (!state) throw new AppError("not_found", { detail: `No pay order ${payment.payOrderId}` });
  const now = deps.clock.now();
  const opId = newId("operation", now);
  const covered = repo.coveredOrders(payment);
  const mayPay = target("payment", state.payOrder.paymentStatus, "succeed") !== null;
  const open = new Set(state.orders.filter((o) => o.status === "CREATED").map((o) => o.id));
  const paying = mayPay ? covered.filter((o) => open.has(o.orderId)) : [];
  const reason = PAID_STATUSES.includes(state.payOrder.paymentStatus) ? "duplicate_payment" : "paid_after_cancel";

  // The ledger first, in the commerce database: a crash before the shard's batch re-runs both on
  // redelivery, and these post nothing the second time. Once refunded, an order stays so (it
  // cannot be un-cancelled, nor a paid pay order payable again), so a redelivery never pays an
  // order whose refund was posted; it takes each refund's id from its first posting.
  const candidates = covered
    .filter((o) => !paying.includes(o))
    .map((o) => ({
      ...o,
      posting: automaticRefundOwedPosting({
        provider: payment.provider,
        paymentId: payment.id,
        orderId: o.orderId,
        refundId: newId("refund", now),
        amount: o.amount,
        currency: payment.currency,
      }),
    }));
  const refs = await postAll(
    deps.db,
    [
      capturedPosting({
        provider: payment.provider,
        paymentId: payment.id,
        payOrderId: payment.payOrderId,
        amount: payment.amount,
        currency: payment.currency,
      }),
      ...candidates.map((o) => o.posting),
    ],
    now,
  );
  const refunding = candidates.map(({ posting, ...o }) => ({
    ...o,
    refundId: refs.get(posting.idempotencyKey) ?? posting.ref,
  }));

  const statements: BatchItem<"sqlite">[] = [
    ...repo.movePaymentStatements(
      db,
      payment,
      {
        status: "SUCCEEDED",
        ...(payment.providerPaymentId === null && providerPaymentId ? { providerPaymentId } : {}),
      },
      { opId, now },
    ),
  ];
  let outbox: OutboxRow[] = [];
  if (paying.length > 0) {
    const paid = paidStatements(db, state, {
      orderIds: paying.map((o) => o.orderId),
      paymentId: payment.id,
      opId,
      actor: { type: "payment", id: payment.id },
      now,
    });
    statements.push(...paid.statements);
    outbox = paid.outbox;
  }
  for (const order of refunding) {
    const requested = outboxRow(
      "refund-events",
      makeEvent("refund.requested", { refundId: order.refundId, orderId: order.orderId, reason }, now),
    );
    statements.push(
      insertRefund(db, {
        id: order.refundId,
        orderId: order.orderId,
        payOrderId: payment.payOrderId,
        paymentId: payment.id,
        reason,
        status: "PROCESSING",
        amount: order.amount,
        currency: payment.currency,
        returnGoods: false,
        providerRefundId: null,
        note: null,
        createdAt: now,
        updatedAt: now,
      }),
      outboxInsert(db, requested),
    );
    outbox.push(requested);
  }
  // Last: each refunded order's refundStatus follows its automatic refund like any other when the
  // refund returns the order's own money (paid_after_cancel), compared on the status as read
  // (refund-writes.ts); a duplicate_payment refund leaves the paid order's summary alone.
  for (const covered of returnsOrdersMoney({ reason }) ? refunding : []) {
    const order = state.orders.find((o) => o.id === covered.orderId);
    if (!order) continue;
    statements.push(
      ...orderRefundStatements(db, order, order.refundStatus, ["decide"], {
        opId,
        actor: { type: "payment", id: payment.id },
        now,
      }),
    );
  }
  await commitOrRetry(home, statements, `Payment ${payment.id}`);
  if (refunding.length > 0) {
    deps.log.warn("payment succeeded for orders no longer payable: refunding them", {
      alert: reason,
      paymentId: payment.id,
      orders: refunding.map((o) => o.orderId),
    });
  }
  return outbox;
}

/** A live payment failed or was canceled; anything else (a late failure after a success) changes nothing. */
async function applyEnded(
  deps: ApplyDeps,
  home: OrderHome,
  payment: repo.PaymentRow,
  to: "FAILED" | "CANCELED",
  object: Record<string, unknown>,
): Promise<Outcome> {
  if (!(repo.LIVE_STATUSES as readonly string[]).includes(payment.status)) {
    return { status: "applied", note: `no change: payment is ${payment.status}` };
  }
  const { db } = home;
  const state = await loadPayOrder(db, payment.payOrderId);
  const now = deps.clock.now();
  const opId = newId("operation", now);
  const error = object.last_payment_error as { code?: unknown } | null | undefined;
  const failureCode = typeof error?.code === "string" ? error.code.slice(0, 64) : to.toLowerCase();
  await commitOrRetry(
    home,
    [
      ...repo.movePaymentStatements(db, payment, { status: to, failureCode }, { opId, now }),
      ...(state ? paymentFailedStatements(db, state, { opId, actor: { type: "payment", id: payment.id }, now }) : []),
    ],
    `Payment ${payment.id}`,
  );
  return { status: "applied" };
}
