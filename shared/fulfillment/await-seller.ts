/**
 * A paid physical order waits for its seller: fulfillment NONE → PENDING and one PENDING shipment
 * from the warehouse that held most of its units (the SKU objects' allocations of its holds;
 * ties to the smaller warehouse id, so a redelivery picks the same one). Idempotent: a second
 * delivery finds the fulfillment already requested and does nothing; the partial unique index on
 * pending shipments backs that up against two racing deliveries. Everything is read and written on
 * the order's shard (the order number names it), the write behind its slot's fence.
 */
import { eq } from "drizzle-orm";
import { orderItems, orders } from "../../db/schema";
import type { ConsumerDeps } from "../events/consumer";
import { SYSTEM_ACTOR } from "../platform/actor";
import { type Db, isAssertionFailure, isUniqueViolation } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { insertShipment, moveOrder, newChange } from "./status-writes";

type Deps = Pick<ConsumerDeps, "orders" | "clock" | "inventory" | "log">;

/** The warehouse holding most of `orderId`'s units (its items read on `db`, its shard), from their reservations. */
export async function shippingWarehouse(deps: { db: Db } & Pick<Deps, "inventory">, orderId: string): Promise<string> {
  const items = await deps.db
    .select({ skuId: orderItems.skuId, reservationId: orderItems.reservationId })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId));
  const units = new Map<string, number>();
  for (const item of items) {
    const held = await deps.inventory.getByName(item.skuId).reservation(item.reservationId);
    for (const a of held?.allocations ?? []) units.set(a.warehouseId, (units.get(a.warehouseId) ?? 0) + a.quantity);
  }
  const [best] = [...units].sort(([wa, qa], [wb, qb]) => qb - qa || (wa < wb ? -1 : 1));
  if (!best) {
    // Every paid item was held somewhere; no allocation means the object has not answered yet.
    throw new AppError("unavailable", { detail: `No stock holds found for order ${orderId}`, retryable: true });
  }
  return best[0];
}

async function loadOrder(db: Db, orderId: string) {
  return db.query.orders.findFirst({ where: eq(orders.id, orderId) });
}

/** The `order.paid` step for physical goods. */
export async function awaitSeller(deps: Deps, orderId: string): Promise<void> {
  const home = await deps.orders.homeOfOrder(orderId);
  const { db } = home;
  const order = await loadOrder(db, orderId);
  // Only a PAID order that has not started fulfilling (a refund may have cancelled it meanwhile).
  if (order?.status !== "PAID" || order.fulfillmentStatus !== "NONE") {
    deps.log.info("paid order needs no shipment", {
      orderId,
      status: order?.status,
      fulfillment: order?.fulfillmentStatus,
    });
    return;
  }
  const warehouseId = await shippingWarehouse({ db, inventory: deps.inventory }, orderId);
  const change = newChange(SYSTEM_ACTOR, deps.clock.now());
  try {
    await home.batch([
      ...moveOrder(db, order, { fulfillment: "request" }, change),
      ...insertShipment(
        db,
        {
          id: newId("shipment", change.now),
          orderId,
          shopId: order.shopId,
          warehouseId,
          carrier: null,
          trackingNumber: null,
          status: "PENDING",
          shippedAt: null,
        },
        "request",
        change,
      ),
    ]);
  } catch (err) {
    if (!isAssertionFailure(err) && !isUniqueViolation(err, "shipments")) throw err;
    // A racing delivery (or another writer) moved the order first: retry against what it is now.
    const now = await loadOrder(db, orderId);
    if (now?.fulfillmentStatus === "NONE" && now.status === "PAID") {
      throw new AppError("version_conflict", { detail: "The order changed meanwhile", retryable: true });
    }
  }
}
