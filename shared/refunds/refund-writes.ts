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
import { orderItems, orderStatusLog, refundItems, refunds } from "../../db/schema";
import type { Change } from "../fulfillment/status-writes";
import { type EventOf, next } from "../orders/state-machine";
import { actorText } from "../platform/actor";
import { assertExists, type Db } from "../platform/db";
import { newId } from "../platform/ids";

export type RefundRow = typeof refunds.$inferSelect;
export type RefundItemRow = typeof refundItems.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;

function logRow(db: Db, change: Change, refundId: string, move: { from: string | null; to: string; event: string }) {
  return db.insert(orderStatusLog).values({
    id: newId("statusLog", change.now),
    entityType: "refund",
    entityId: refundId,
    field: "status",
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
    ...lines.flatMap(({ item, quantity, amount }) => [
      db
        .update(orderItems)
        .set({
          refundHeldQuantity: sql`${orderItems.refundHeldQuantity} + ${quantity}`,
          refundHeldAmount: sql`${orderItems.refundHeldAmount} + ${amount}`,
          refundOpId: change.opId,
        })
        .where(
          and(
            eq(orderItems.id, item.id),
            eq(orderItems.refundHeldQuantity, item.refundHeldQuantity),
            eq(orderItems.refundHeldAmount, item.refundHeldAmount),
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
    ...lines.map(({ item, quantity, amount }) =>
      db.insert(refundItems).values({ refundId: row.id, orderItemId: item.id, quantity, amount }),
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
  fields: Partial<Pick<RefundRow, "note" | "returnCarrier" | "returnTrackingNumber" | "receivedCondition">> = {},
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

/** Gives a refund's units and amount back to its items (a rejected refund holds nothing). */
export function releaseHoldStatements(db: Db, items: readonly RefundItemRow[]): BatchItem<"sqlite">[] {
  return items.map((line) =>
    db
      .update(orderItems)
      .set({
        refundHeldQuantity: sql`${orderItems.refundHeldQuantity} - ${line.quantity}`,
        refundHeldAmount: sql`${orderItems.refundHeldAmount} - ${line.amount}`,
      })
      .where(and(eq(orderItems.id, line.orderItemId), gte(orderItems.refundHeldQuantity, line.quantity))),
  );
}
