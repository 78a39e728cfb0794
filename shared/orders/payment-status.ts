/**
 * The orders domain's side of paying: what the payments domain may read of a pay order, and the
 * statements that move its payment status (and its orders') through the state machine. Payments
 * put these statements in their own D1 batch beside the payment row, in the pay order's shard
 * (OrderStore), so a pay order turns PAID exactly when its payment turns SUCCEEDED, or neither
 * does; the ledger's posting, in the commerce database, goes first (docs/decisions.md). Every update
 * compares `version` and asserts it won, so two deliveries racing cannot both apply.
 */
import { and, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { orderItems, orderStatusLog, orders, payOrders } from "../../db/schema";
import { makeEvent } from "../events/messages";
import { type OutboxRow, outboxInsert, outboxRow } from "../events/outbox";
import { confirmStock } from "../inventory/stock";
import { type Actor, actorText, orderActor } from "../platform/actor";
import { assertExists, type Db } from "../platform/db";
import { newId } from "../platform/ids";
import type { OrderOpsDeps } from "./orders";
import { next, target } from "./state-machine";

export type PayOrderRow = typeof payOrders.$inferSelect;
export type OrderRow = typeof orders.$inferSelect;

/** A pay order with its orders, as payments see it. */
export interface PayOrderState {
  payOrder: PayOrderRow;
  orders: OrderRow[];
}

/** The pay order and its orders; `userId` limits it to that shopper's (anyone else's is undefined). */
export async function loadPayOrder(db: Db, payOrderId: string, userId?: string): Promise<PayOrderState | undefined> {
  return payOrderStateOf(await db.batch(payOrderReads(db, payOrderId, userId)));
}

/** The reads of `loadPayOrder`, for a batch that reads something else in the same snapshot. */
export function payOrderReads(db: Db, payOrderId: string, userId?: string) {
  return [
    db
      .select()
      .from(payOrders)
      .where(and(eq(payOrders.id, payOrderId), userId === undefined ? undefined : eq(payOrders.userId, userId))),
    db.select().from(orders).where(eq(orders.payOrderId, payOrderId)).orderBy(orders.id),
  ] as const;
}

/** What `payOrderReads` found, as a state (undefined without the pay order). */
export function payOrderStateOf([pays, rows]: readonly [PayOrderRow[], OrderRow[]]): PayOrderState | undefined {
  const payOrder = pays[0];
  return payOrder ? { payOrder, orders: rows } : undefined;
}

/** The orders a new payment would pay for: the open (CREATED) ones, with their totals. */
export function openOrders(state: PayOrderState): { orderId: string; amount: number }[] {
  return state.orders.filter((o) => o.status === "CREATED").map((o) => ({ orderId: o.id, amount: o.totalAmount }));
}

/** The id of order `orderId`'s `order.paid` message: one per order, whatever the redeliveries. */
export function orderPaidEventId(orderId: string): string {
  return `evt_paid_${orderId}`;
}

interface Change {
  opId: string;
  actor: Actor;
  event: string;
  now: number;
}

function logStatement(
  db: Db,
  change: Change,
  entity: { type: "order" | "pay_order"; id: string },
  field: string,
  from: string,
  to: string,
) {
  return db.insert(orderStatusLog).values({
    id: newId("statusLog", change.now),
    entityType: entity.type,
    entityId: entity.id,
    field,
    fromStatus: from,
    toStatus: to,
    event: change.event,
    actor: actorText(change.actor),
    at: change.now,
  });
}

/** The pay order's payment status moves by `event`, compared on its version and asserted. */
function payOrderStatements(db: Db, pay: PayOrderRow, to: string, change: Change) {
  return [
    db
      .update(payOrders)
      .set({ paymentStatus: to, version: pay.version + 1, lastOpId: change.opId, updatedAt: change.now })
      .where(and(eq(payOrders.id, pay.id), eq(payOrders.version, pay.version))),
    assertExists(db, sql`SELECT 1 FROM pay_orders WHERE id = ${pay.id} AND last_op_id = ${change.opId}`),
    logStatement(db, change, { type: "pay_order", id: pay.id }, "payment_status", pay.paymentStatus, to),
  ];
}

/**
 * A payment started: the pay order (UNPAID or FAILED) and its open orders go PENDING. A 409
 * `invalid_transition` when the pay order's status does not allow it.
 */
export function paymentStartedStatements(db: Db, state: PayOrderState, change: Omit<Change, "event">) {
  const c = { ...change, event: "start" };
  const to = next("payment", state.payOrder.paymentStatus, "start");
  return [
    ...payOrderStatements(db, state.payOrder, to, c),
    ...state.orders
      .filter((o) => o.status === "CREATED" && target("payment", o.paymentStatus, "start") !== null)
      .flatMap((o) => [
        db
          .update(orders)
          .set({ paymentStatus: to, version: o.version + 1, lastOpId: c.opId, updatedAt: c.now })
          .where(and(eq(orders.id, o.id), eq(orders.version, o.version))),
        logStatement(db, c, { type: "order", id: o.id }, "payment_status", o.paymentStatus, to),
      ]),
  ];
}

/**
 * A payment succeeded for `orderIds` (each still CREATED): each goes PAID (status and payment
 * status) and the pay order's payment status PAID; one `order.paid` per order in the outbox. Any
 * order or the pay order changed since `state` was read aborts the whole batch.
 */
export function paidStatements(
  db: Db,
  state: PayOrderState,
  input: { orderIds: readonly string[]; paymentId: string } & Omit<Change, "event">,
): { statements: BatchItem<"sqlite">[]; outbox: OutboxRow[] } {
  const c = { ...input, event: "succeed" };
  const payTo = next("payment", state.payOrder.paymentStatus, "succeed");
  const paid = state.orders.filter((o) => input.orderIds.includes(o.id));
  // One order is paid once: its order.paid id comes from the order, so even a second write of it
  // (which the outbox's key refuses) or a redelivery is the same message to every consumer.
  const outbox = paid.map((o) => {
    const event = makeEvent(
      "order.paid",
      {
        orderId: o.id,
        payOrderId: o.payOrderId,
        paymentId: input.paymentId,
        userId: o.userId,
        shopId: o.shopId,
        kind: o.kind,
        total: { amount: o.totalAmount, currency: o.currency },
      },
      input.now,
    );
    return outboxRow("fulfillment-events", { ...event, id: orderPaidEventId(o.id) });
  });
  const statements = [
    ...payOrderStatements(db, state.payOrder, payTo, c),
    ...paid.flatMap((o) => {
      const status = next("order", o.status, "pay");
      return [
        db
          .update(orders)
          .set({ status, paymentStatus: payTo, version: o.version + 1, lastOpId: c.opId, updatedAt: c.now })
          .where(and(eq(orders.id, o.id), eq(orders.version, o.version), eq(orders.status, "CREATED"))),
        assertExists(db, sql`SELECT 1 FROM orders WHERE id = ${o.id} AND last_op_id = ${c.opId}`),
        logStatement(db, c, { type: "order", id: o.id }, "status", o.status, status),
        logStatement(db, c, { type: "order", id: o.id }, "payment_status", o.paymentStatus, payTo),
      ];
    }),
    ...outbox.map((row) => outboxInsert(db, row)),
  ];
  return { statements, outbox };
}

/**
 * A payment failed or was canceled: a PENDING pay order (and its PENDING orders) go FAILED, free
 * for another payment. Conditional rather than asserted: when the pay order moved on meanwhile
 * (paid by another payment, closed by a cancel), a failure has nothing left to change.
 */
export function paymentFailedStatements(db: Db, state: PayOrderState, change: Omit<Change, "event">) {
  const c = { ...change, event: "fail" };
  if (target("payment", state.payOrder.paymentStatus, "fail") === null) return [];
  const pay = state.payOrder;
  return [
    db
      .update(payOrders)
      .set({ paymentStatus: "FAILED", version: pay.version + 1, lastOpId: c.opId, updatedAt: c.now })
      .where(and(eq(payOrders.id, pay.id), eq(payOrders.version, pay.version))),
    logStatement(db, c, { type: "pay_order", id: pay.id }, "payment_status", pay.paymentStatus, "FAILED"),
    ...state.orders
      .filter((o) => o.status === "CREATED" && o.paymentStatus === "PENDING")
      .flatMap((o) => [
        db
          .update(orders)
          .set({ paymentStatus: "FAILED", version: o.version + 1, lastOpId: c.opId, updatedAt: c.now })
          .where(and(eq(orders.id, o.id), eq(orders.version, o.version))),
        logStatement(db, c, { type: "order", id: o.id }, "payment_status", o.paymentStatus, "FAILED"),
      ]),
  ];
}

/**
 * Turns the stock holds of paid orders into sales (reserved → sold), in the SKU objects;
 * idempotent per hold, so a redelivered payment event may run it again. Answers the holds that
 * could not be confirmed (already released: the hold outlived its margin), for an alert.
 */
export async function confirmPaidStock(
  deps: Pick<OrderOpsDeps, "db" | "inventory" | "clock">,
  orderIds: readonly string[],
): Promise<{ skuId: string; reservationId: string; code: string }[]> {
  if (orderIds.length === 0) return [];
  const items = await deps.db
    .select({ skuId: orderItems.skuId, reservationId: orderItems.reservationId, orderId: orderItems.orderId })
    .from(orderItems)
    .where(inArray(orderItems.orderId, [...orderIds]));
  const at = deps.clock.now();
  const results = await Promise.all(
    items.map(async (item) => {
      const result = await confirmStock(deps.inventory, {
        skuId: item.skuId,
        reservationId: item.reservationId,
        actor: actorText(orderActor(item.orderId)),
        at,
        reason: "paid",
      });
      return result.ok ? null : { skuId: item.skuId, reservationId: item.reservationId, code: result.code };
    }),
  );
  return results.filter((r) => r !== null);
}

/**
 * Money for order `orderId` went back to the shopper (a refund completed): its payment status
 * becomes REFUNDED once `refundedTotal` reaches its total, else PARTIALLY_REFUNDED; the pay
 * order follows, REFUNDED when every order of it is. Asserted on the order's version.
 */
export function refundedStatements(
  db: Db,
  state: PayOrderState,
  input: { orderId: string; refundedTotal: number; opId: string; actor: Actor; now: number },
): BatchItem<"sqlite">[] {
  const c = { ...input, event: "refund" };
  const order = state.orders.find((o) => o.id === input.orderId);
  if (!order) return [];
  const event = input.refundedTotal >= order.totalAmount ? "refund_all" : "refund_part";
  const to = target("payment", order.paymentStatus, event);
  if (to === null) return [];
  const allRefunded = state.orders.every((o) => o.id === order.id || o.paymentStatus === "REFUNDED");
  const payTo =
    target("payment", state.payOrder.paymentStatus, to === "REFUNDED" && allRefunded ? "refund_all" : "refund_part") ??
    state.payOrder.paymentStatus;
  return [
    db
      .update(orders)
      .set({ paymentStatus: to, version: order.version + 1, lastOpId: c.opId, updatedAt: c.now })
      .where(and(eq(orders.id, order.id), eq(orders.version, order.version))),
    assertExists(db, sql`SELECT 1 FROM orders WHERE id = ${order.id} AND last_op_id = ${c.opId}`),
    logStatement(db, { ...c, event }, { type: "order", id: order.id }, "payment_status", order.paymentStatus, to),
    ...(payTo === state.payOrder.paymentStatus ? [] : payOrderStatements(db, state.payOrder, payTo, { ...c, event })),
  ];
}

/** The ids of pay orders holding an order of `shopId`, as a subquery (a seller's view of payments). */
export function payOrdersOfShop(db: Db, shopId: string) {
  return db.select({ id: orders.payOrderId }).from(orders).where(eq(orders.shopId, shopId));
}

/** Pay orders created in `[from, to)` whose payment status says money was taken (reconciliation). */
export function paidPayOrdersBetween(db: Db, from: number, to: number) {
  return db
    .select({ id: payOrders.id, payAmount: payOrders.payAmount, currency: payOrders.currency })
    .from(payOrders)
    .where(
      and(
        inArray(payOrders.paymentStatus, ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]),
        gte(payOrders.createdAt, from),
        lt(payOrders.createdAt, to),
      ),
    );
}
