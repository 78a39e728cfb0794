/**
 * The statements that write refunds (callers put them in one D1 batch with whatever must commit
 * with them): a new refund with its items and the holds on those items, a refund's move through
 * the `refund` machine of shared/orders/state-machine.ts (version compare-and-set, asserted on
 * `last_op_id`, a status-log row per step), and giving held units back.
 *
 * A hold is the item's compare-and-set: it adds the refund's units and amount only if the item's
 * held figures are still the ones the amount was computed from, and only if the units fit. The
 * batch then asserts the item carries this operation's id, so of six requests racing for the last
 * unit exactly one commits; the others roll back whole and re-read.
 */
import { and, eq, gte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { orderItems, orderStatusLog, orders, refundItems, refunds } from "../../db/schema";
import type { Change } from "../fulfillment/status-writes";
import { type EventOf, next, target } from "../orders/state-machine";
import { actorText } from "../platform/actor";
import { assertExists, type Db } from "../platform/db";
import { newId } from "../platform/ids";

export type RefundRow = typeof refunds.$inferSelect;
export type RefundItemRow = typeof refundItems.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;

function logRow(
  db: Db,
  change: Change,
  entityId: string,
  move: { from: string | null; to: string; event: string },
  entity: { type: "refund" | "order"; field: "status" | "refund_status" } = { type: "refund", field: "status" },
) {
  return db.insert(orderStatusLog).values({
    id: newId("statusLog", change.now),
    entityType: entity.type,
    entityId,
    field: entity.field,
    fromStatus: move.from,
    toStatus: move.to,
    event: move.event,
    actor: actorText(change.actor),
    at: change.now,
  });
}

/** One item line of a refund being written, with the item's held figures it was computed from. */
export interface HeldLine {
  item: OrderItemRow;
  quantity: number;
  amount: number;
  /** The coins those units give back (shared/promotions/refund-returns.ts). */
  coins: number;
}

/**
 * A new refund (`REQUESTED`, or `PROCESSING` when decided at once), its items, and the holds on
 * them. `emptiesOrder` says whether the amount includes shipping; the batch asserts that is still
 * true when it commits (another refund may have taken the order's other units meanwhile).
 */
export function insertRefundStatements(
  db: Db,
  row: Omit<RefundRow, "version" | "lastOpId" | "createdAt" | "updatedAt" | "status">,
  event: "request" | "decide",
  lines: readonly HeldLine[],
  emptiesOrder: boolean,
  change: Change,
): BatchItem<"sqlite">[] {
  const status = next("refund", "NONE", event);
  return [
    ...lines.flatMap(({ item, quantity, amount, coins }) => [
      db
        .update(orderItems)
        .set({
          refundHeldQuantity: sql`${orderItems.refundHeldQuantity} + ${quantity}`,
          refundHeldAmount: sql`${orderItems.refundHeldAmount} + ${amount}`,
          refundHeldCoins: sql`${orderItems.refundHeldCoins} + ${coins}`,
          refundOpId: change.opId,
        })
        .where(
          and(
            eq(orderItems.id, item.id),
            eq(orderItems.refundHeldQuantity, item.refundHeldQuantity),
            eq(orderItems.refundHeldAmount, item.refundHeldAmount),
            eq(orderItems.refundHeldCoins, item.refundHeldCoins),
            sql`${orderItems.refundHeldQuantity} + ${quantity} <= ${orderItems.quantity}`,
          ),
        ),
      assertExists(db, sql`SELECT 1 FROM order_items WHERE id = ${item.id} AND refund_op_id = ${change.opId}`),
    ]),
    // Shipping goes with the refund that empties the order, and only with it.
    assertExists(
      db,
      emptiesOrder
        ? sql`SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM order_items WHERE order_id = ${row.orderId} AND refund_held_quantity < quantity)`
        : sql`SELECT 1 FROM order_items WHERE order_id = ${row.orderId} AND refund_held_quantity < quantity`,
    ),
    db.insert(refunds).values({ ...row, status, lastOpId: change.opId, createdAt: change.now, updatedAt: change.now }),
    ...lines.map(({ item, quantity, amount, coins }) =>
      db.insert(refundItems).values({ refundId: row.id, orderItemId: item.id, quantity, amount, coins }),
    ),
    logRow(db, change, row.id, { from: null, to: status, event }),
  ];
}

/**
 * Moves `refund` by `events` in turn (each must be allowed from where the previous one left it,
 * else 409 `invalid_transition`), compared on the version read, setting `fields` too.
 */
export function moveRefundStatements(
  db: Db,
  refund: RefundRow,
  events: readonly EventOf<"refund">[],
  change: Change,
  fields: Partial<
    Pick<
      RefundRow,
      | "note"
      | "returnCarrier"
      | "returnTrackingNumber"
      | "receivedCondition"
      | "restock"
      | "payoutAttempt"
      | "providerRefundId"
    >
  > = {},
): BatchItem<"sqlite">[] {
  const steps: { from: string; to: string; event: string }[] = [];
  let status = refund.status;
  for (const event of events) {
    const to = next("refund", status, event);
    steps.push({ from: status, to, event });
    status = to;
  }
  return [
    db
      .update(refunds)
      .set({ ...fields, status, version: refund.version + 1, lastOpId: change.opId, updatedAt: change.now })
      .where(and(eq(refunds.id, refund.id), eq(refunds.version, refund.version))),
    assertExists(db, sql`SELECT 1 FROM refunds WHERE id = ${refund.id} AND last_op_id = ${change.opId}`),
    ...steps.map((step) => logRow(db, change, refund.id, step)),
  ];
}

/** Gives a refund's units, amount and coins back to its items (a rejected refund holds nothing). */
export function releaseHoldStatements(db: Db, items: readonly RefundItemRow[]): BatchItem<"sqlite">[] {
  return items.map((line) =>
    db
      .update(orderItems)
      .set({
        refundHeldQuantity: sql`${orderItems.refundHeldQuantity} - ${line.quantity}`,
        refundHeldAmount: sql`${orderItems.refundHeldAmount} - ${line.amount}`,
        refundHeldCoins: sql`${orderItems.refundHeldCoins} - ${line.coins}`,
      })
      .where(and(eq(orderItems.id, line.orderItemId), gte(orderItems.refundHeldQuantity, line.quantity))),
  );
}

/**
 * The order's `refundStatus` following one of its refunds, which moves from `from` by `events`
 * (a new refund: from the order's own refundStatus, by `request` or `decide`).
 *
 * The rule: the order's refundStatus moves with a refund while it stands where that refund stood
 * and the machine allows each step from there. With one refund at a time (the usual case) it is
 * that refund's status; a refund made while another is still open leaves the order following the
 * open one, and the next refund after a settled one (REFUNDED, REJECTED) takes it over. Nothing
 * when the order does not follow this refund.
 *
 * The update compares the order's refundStatus as read and bumps its `version`, so fulfillment's
 * version compare-and-sets see the change; it compares refund_status rather than the version
 * because fulfillment moves the same row's other fields all the time, and this batch may already
 * have moved the order once (refundedStatements, a failed delivery's cancel). It goes LAST in its
 * batch, under an operation id of its own that the batch asserts: a refund of the same order
 * that moved the summary meanwhile fails the batch, and the caller re-reads and tries again.
 */
export function orderRefundStatements(
  db: Db,
  order: { id: string; refundStatus: string },
  from: string,
  events: readonly EventOf<"refund">[],
  change: Change,
): BatchItem<"sqlite">[] {
  if (order.refundStatus !== from) return [];
  const steps: { from: string; to: string; event: string }[] = [];
  let status = from;
  for (const event of events) {
    const to = target("refund", status, event);
    if (to === null) return [];
    steps.push({ from: status, to, event });
    status = to;
  }
  if (steps.length === 0) return [];
  const opId = newId("operation", change.now);
  return [
    db
      .update(orders)
      .set({ refundStatus: status, version: sql`${orders.version} + 1`, lastOpId: opId, updatedAt: change.now })
      .where(and(eq(orders.id, order.id), eq(orders.refundStatus, from))),
    assertExists(db, sql`SELECT 1 FROM orders WHERE id = ${order.id} AND last_op_id = ${opId}`),
    ...steps.map((step) => logRow(db, change, order.id, step, { type: "order", field: "refund_status" })),
  ];
}
