/**
 * A physical order refunded whole before it shipped has nothing left to send: the refund that
 * decides its last units (goes PROCESSING) cancels the shipment still awaiting the seller (if
 * order.paid already made one) and moves the order's fulfillment PENDING (or NONE) → CANCELLED and
 * the order PAID → CANCELLED
 * (cancel_refunded), in the refund's own batch, through shared/orders/state-machine.ts.
 *
 * "Refunded whole" means every unit is held by a refund whose money is decided (PROCESSING,
 * REFUNDED, or FAILED awaiting an operator): a unit held by a refund still REQUESTED (it may be
 * rejected) keeps the shipment. The shipment's and the order's version compare-and-sets lose to
 * a seller shipping at the same moment; the caller re-reads and, the shipment gone, just refunds.
 */
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { shipments } from "../../db/schema";
import { type Change, moveOrder, moveShipment, type OrderRow } from "../fulfillment/status-writes";
import { target } from "../orders/state-machine";
import { refundsOfOrder } from "../payments/refunds-repo";
import type { Db } from "../platform/db";

/** Refund statuses whose money is decided: their units will not come back to the order. */
const DECIDED = ["PROCESSING", "REFUNDED", "FAILED"];

/**
 * The statements cancelling `order`'s pending shipment when refund `refundId`, going PROCESSING,
 * leaves no unit of it to ship (`emptied`: every unit is held once this refund's are); none
 * otherwise.
 */
export async function cancelUnshippedStatements(
  db: Db,
  order: OrderRow,
  input: { refundId: string; emptied: boolean },
  change: Change,
): Promise<BatchItem<"sqlite">[]> {
  if (
    !input.emptied ||
    order.kind !== "physical" ||
    target("fulfillment", order.fulfillmentStatus, "cancel") === null
  ) {
    return [];
  }
  const undecided = (await refundsOfOrder(db, order.id)).some(
    (r) => r.id !== input.refundId && r.status !== "REJECTED" && !DECIDED.includes(r.status),
  );
  if (undecided) return [];
  const shipment = await db.query.shipments.findFirst({
    where: and(eq(shipments.orderId, order.id), eq(shipments.status, "PENDING")),
  });
  // Fulfillment still NONE: order.paid has not been applied, so no shipment awaits yet; cancelling
  // the fulfillment is what keeps a later (or redelivered) order.paid from creating one.
  if (!shipment && order.fulfillmentStatus !== "NONE") return [];
  const cancelOrder = target("order", order.status, "cancel_refunded") !== null;
  return [
    ...(shipment ? moveShipment(db, shipment, "cancel", change) : []),
    ...moveOrder(
      db,
      order,
      { ...(cancelOrder ? { order: "cancel_refunded" as const } : {}), fulfillment: "cancel" },
      change,
    ),
  ];
}
