/**
 * Units refunded before they shipped go back to available stock (medusa #11703: a cancelled
 * fulfillment that does not restore its reservations). The rule (docs/decisions.md): a refund of
 * a physical order whose fulfillment is still NONE or PENDING — the goods never left the
 * warehouse — restocks its units as sellable when its money is decided (a seller's or operator's
 * refund, an approval without goods to return), whether it takes the whole order or some units.
 * After shipping, units come back only through a return with goods (decide-refund.ts receive).
 *
 * The decision is the refund's `restock` flag, written in the deciding batch together with an
 * assertion that the order has still not shipped: a seller shipping at the same moment either
 * commits first (the refund's batch fails, re-reads, and restocks nothing) or after (the parcel
 * leaves without the refunded units). The stock itself moves in the SKU objects afterwards, from
 * the refund-events consumer of `refund.requested` (which that batch puts in the outbox), once
 * per refund and item whatever the redeliveries: the SKU object keys the return by op id. The
 * refund and its items are read in the order's shard; the stock lives in the SKU objects, so the
 * exactly-once is the object's op id, not a batch spanning both.
 */
import { eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { orderItems, refundItems } from "../../db/schema";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { returnSoldStock } from "../inventory/stock";
import type { OrderStore } from "../orders/order-store";
import { findRefund } from "../payments/refunds-repo";
import { actorText, SYSTEM_ACTOR } from "../platform/actor";
import type { Clock } from "../platform/clock";
import { assertExists, type Db } from "../platform/db";

/** Fulfillment statuses of a physical order whose goods are all still in the warehouse. */
const UNSHIPPED = ["NONE", "PENDING"] as const;

/**
 * Whether a refund of `order` decided now restocks its units, and the assertion its batch
 * carries so that it commits only while the order's fulfillment is still where it was read.
 */
export function restockDecision(
  db: Db,
  order: { id: string; kind: string; fulfillmentStatus: string },
): { restock: boolean; statements: BatchItem<"sqlite">[] } {
  const restock = order.kind === "physical" && (UNSHIPPED as readonly string[]).includes(order.fulfillmentStatus);
  if (!restock) return { restock, statements: [] };
  return {
    restock,
    statements: [
      assertExists(db, sql`SELECT 1 FROM orders WHERE id = ${order.id} AND fulfillment_status IN ('NONE', 'PENDING')`),
    ],
  };
}

/** The op id of refund `refundId`'s stock return for item `orderItemId` (one per refund and item). */
export const stockReturnOpId = (refundId: string, orderItemId: string) => `refund:${refundId}:${orderItemId}`;

/**
 * Puts refund `refundId`'s units back on sale when it restocks (nothing otherwise): idempotent,
 * so the consumer may run it for every delivery of the refund's `refund.requested`.
 */
export async function restockRefundedUnits(
  deps: { orders: OrderStore; clock: Clock; inventory: DurableObjectNamespace<SkuInventory> },
  { refundId, orderId }: { refundId: string; orderId: string },
): Promise<void> {
  const { db } = await deps.orders.homeOfOrder(orderId);
  const refund = await findRefund(db, refundId);
  if (!refund?.restock) return;
  const lines = await db
    .select({
      orderItemId: refundItems.orderItemId,
      quantity: refundItems.quantity,
      skuId: orderItems.skuId,
      reservationId: orderItems.reservationId,
    })
    .from(refundItems)
    .innerJoin(orderItems, eq(orderItems.id, refundItems.orderItemId))
    .where(eq(refundItems.refundId, refundId));
  const at = deps.clock.now();
  for (const line of lines) {
    await returnSoldStock(deps.inventory, {
      skuId: line.skuId,
      opId: stockReturnOpId(refundId, line.orderItemId),
      reservationId: line.reservationId,
      quantity: line.quantity,
      condition: "sellable",
      reason: `refund ${refundId}: refunded before it shipped`,
      actor: actorText(SYSTEM_ACTOR),
      at,
    });
  }
}
