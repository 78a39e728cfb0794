/**
 * Payments (seed: 订单支付和支付结果回调): the provider-event inbox, payments, refunds, and what
 * reconciliation finds.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The provider-event inbox: every webhook a provider sent, stored once by its own event id before
 * anything acts on it, so a duplicate delivery is recognised and an event that cannot be applied
 * yet (an unknown payment) is parked, not lost.
 */
export const paymentProviderEvents = sqliteTable(
  "payment_provider_events",
  {
    /** `sandbox` or `stripe`. */
    provider: text("provider").notNull(),
    /** The provider's event id (`evt_...`): one row per event, whatever the redeliveries. */
    eventId: text("event_id").notNull(),
    type: text("type").notNull(),
    /** The verified raw body, exactly as signed. */
    payload: text("payload").notNull(),
    /** `received` until a consumer acts; `applied`; or `parked` (it names nothing we know yet). */
    status: text("status", { enum: ["received", "applied", "parked"] }).notNull(),
    /** Why it was parked, for the operator who looks. */
    note: text("note"),
    /** The provider's own timestamp (`created`, unix seconds × 1000). */
    createdAt: integer("created_at").notNull(),
    receivedAt: integer("received_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.eventId] }),
    index("payment_provider_events_status").on(t.status, t.receivedAt),
  ],
);

/**
 * One attempt to pay a pay order through a provider. At most one is live (CREATING or PENDING)
 * per pay order, enforced by a partial unique index; a FAILED or CANCELED one frees the pay order
 * for another try. `orders` records what this payment covers (the pay order's open orders when it
 * was created, with their totals), so a late success refunds exactly those.
 */
export const payments = sqliteTable(
  "payments",
  {
    /** `pay_…`; also the provider's idempotency key (`payment:<id>`) and its metadata.paymentId. */
    id: text("id").primaryKey(),
    payOrderId: text("pay_order_id").notNull(),
    userId: text("user_id").notNull(),
    /** `sandbox` or `stripe`. */
    provider: text("provider").notNull(),
    /** The provider's id, once it answered; null while CREATING. */
    providerPaymentId: text("provider_payment_id"),
    /**
     * CREATING (our row exists, the provider has not answered yet) → PENDING (the shopper is on
     * the provider's page) → SUCCEEDED | FAILED | CANCELED, as the provider's events say.
     */
    status: text("status", { enum: ["CREATING", "PENDING", "SUCCEEDED", "FAILED", "CANCELED"] }).notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    /** JSON `[{orderId, amount}]`: the orders this payment pays for. */
    orders: text("orders").notNull(),
    redirectUrl: text("redirect_url"),
    /** Why it failed (the provider's code, or `provider_error` when creating it failed). */
    failureCode: text("failure_code"),
    version: integer("version").notNull().default(1),
    /** The operation whose compare-and-set last won (checked inside the writing batch). */
    lastOpId: text("last_op_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("payments_one_live").on(t.payOrderId).where(sql`status IN ('CREATING', 'PENDING')`),
    uniqueIndex("payments_provider_id").on(t.provider, t.providerPaymentId),
    index("payments_pay_order").on(t.payOrderId, t.createdAt),
    index("payments_status").on(t.status, t.updatedAt),
    index("payments_created").on(t.createdAt),
  ],
);

/**
 * Money going back to a shopper for one order. Issue #13 writes the automatic ones (a payment
 * that succeeded after its pay order was closed: `paid_after_cancel`; a second success for a pay
 * order already paid: `duplicate_payment`); shopper- and seller-initiated refunds (issue #14)
 * add items and the approval steps on the same row.
 */
export const refunds = sqliteTable(
  "refunds",
  {
    /** `rfd_…`; also the provider's idempotency key (`refund:<id>`) and its metadata.refundId. */
    id: text("id").primaryKey(),
    orderId: text("order_id").notNull(),
    payOrderId: text("pay_order_id").notNull(),
    paymentId: text("payment_id").notNull(),
    reason: text("reason").notNull(),
    /** REQUESTED → APPROVED (→ AWAITING_RETURN → RETURN_SHIPPED) → PROCESSING → REFUNDED, or REJECTED / FAILED. */
    status: text("status").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    returnGoods: integer("return_goods", { mode: "boolean" }).notNull().default(false),
    /** The part of `amount` that is the order's shipping: non-zero only on the refund that empties the order. */
    shippingAmount: integer("shipping_amount").notNull().default(0),
    /** Who asked (`user:…`, `seller:…`, `operator:…`, `system`), as actorText writes it. */
    requestedBy: text("requested_by"),
    /** The shopper's return parcel (returns with goods, once approved). */
    returnCarrier: text("return_carrier"),
    returnTrackingNumber: text("return_tracking_number"),
    /** What the seller found in the returned parcel: `sellable` (back to stock) or `damaged` (written off). */
    receivedCondition: text("received_condition"),
    /**
     * The creating request's idempotency identity (IdempotencyIdentity.ref): a request retried
     * after its answer was lost finds the refund it already made instead of holding more units.
     */
    requestKey: text("request_key"),
    /** The provider's refund id, once asked (cleared when an operator retries a FAILED payout). */
    providerRefundId: text("provider_refund_id"),
    /**
     * Which payout attempt this is: 1, then one more per operator retry of a FAILED payout. The
     * provider's idempotency key carries it (`refund:<id>` for the first, `refund:<id>:<n>` after),
     * so a retry is a new payout while a redelivery of one attempt asks for the same one again.
     */
    payoutAttempt: integer("payout_attempt").notNull().default(1),
    /**
     * Its units go back to available stock when its money is decided: they never left the
     * warehouse (a physical order whose fulfillment was still PENDING). Set in the deciding batch,
     * which asserts the order still had not shipped; the refund-events consumer does the return.
     */
    restock: integer("restock", { mode: "boolean" }).notNull().default(false),
    note: text("note"),
    version: integer("version").notNull().default(1),
    /** The operation whose compare-and-set last won (checked inside the writing batch). */
    lastOpId: text("last_op_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("refunds_order").on(t.orderId, t.createdAt),
    index("refunds_status").on(t.status, t.updatedAt),
    index("refunds_created").on(t.createdAt),
    uniqueIndex("refunds_provider_id").on(t.providerRefundId),
    uniqueIndex("refunds_request_key").on(t.requestKey),
    // An automatic refund is written once per payment and order, whatever the redeliveries.
    uniqueIndex("refunds_automatic_once")
      .on(t.paymentId, t.orderId, t.reason)
      .where(sql`reason IN ('paid_after_cancel', 'duplicate_payment')`),
  ],
);

/**
 * A mismatch between what a provider says, our payments, pay orders, orders and the ledger (资损:
 * find it during, not after). Written by event application (a forged amount) and by
 * reconciliation runs; at most one open per kind and ref; `resolvedAt` is set by the run that no
 * longer finds it.
 */
export const paymentDiscrepancies = sqliteTable(
  "payment_discrepancies",
  {
    id: text("id").primaryKey(),
    /** `paid_not_recorded`, `recorded_not_paid`, `amount_mismatch`, `refund_mismatch`, `ledger_unbalanced`. */
    kind: text("kind").notNull(),
    /** What it is about: a payment, refund or ledger transaction id, or a provider id. */
    ref: text("ref").notNull(),
    /** JSON: what our side (or the rule) expects, and what was found. */
    expected: text("expected").notNull(),
    actual: text("actual").notNull(),
    /** The run that found it, or null when event application did. */
    runId: text("run_id"),
    detectedAt: integer("detected_at").notNull(),
    resolvedAt: integer("resolved_at"),
  },
  (t) => [
    uniqueIndex("payment_discrepancies_open").on(t.kind, t.ref).where(sql`resolved_at IS NULL`),
    index("payment_discrepancies_detected").on(t.detectedAt),
  ],
);

/** One reconciliation pass: provider records, payments, pay orders, orders and the ledger compared. */
export const reconciliationRuns = sqliteTable("reconciliation_runs", {
  id: text("id").primaryKey(),
  status: text("status", { enum: ["running", "completed", "failed"] }).notNull(),
  /** Who started it: `cron` or the operator's actor. */
  trigger: text("trigger").notNull(),
  /** Provider records and our rows created since this instant were compared (unix ms). */
  since: integer("since").notNull(),
  /** JSON counts of what was compared and found. */
  summary: text("summary"),
  error: text("error"),
  startedAt: integer("started_at").notNull(),
  finishedAt: integer("finished_at"),
});
