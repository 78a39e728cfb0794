/** Shipments as order views show them (storefront and admin): every parcel of the order, oldest first. */
import { asc, inArray } from "drizzle-orm";
import { z } from "zod";
import { shipments } from "../../db/schema";
import type { Db } from "../platform/db";

export const shipmentSchema = z.object({
  shipmentId: z.string(),
  status: z.enum(["PENDING", "SHIPPED", "IN_TRANSIT", "DELIVERED", "FAILED", "CANCELLED"]),
  carrier: z.string().nullable().describe("Null while the shipment awaits the seller"),
  trackingNumber: z.string().nullable(),
  warehouseId: z.string().describe("Where the parcel leaves from"),
  shippedAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  failedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type ShipmentView = z.infer<typeof shipmentSchema>;

type ShipmentRow = typeof shipments.$inferSelect;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The shipments of `orderIds` (a chunk of at most D1's parameter cap), oldest first: one read for an order-view batch. */
export function shipmentsOfOrders(db: Db, orderIds: string[]) {
  return db
    .select()
    .from(shipments)
    .where(inArray(shipments.orderId, orderIds))
    .orderBy(asc(shipments.createdAt), asc(shipments.id));
}

/** The views of `orderId`'s shipments among `rows`. */
export function shipmentViewsOf(rows: readonly ShipmentRow[], orderId: string): ShipmentView[] {
  return rows
    .filter((r) => r.orderId === orderId)
    .map((r) => ({
      shipmentId: r.id,
      status: r.status,
      carrier: r.carrier,
      trackingNumber: r.trackingNumber,
      warehouseId: r.warehouseId,
      shippedAt: iso(r.shippedAt),
      deliveredAt: iso(r.deliveredAt),
      failedAt: iso(r.failedAt),
      createdAt: new Date(r.createdAt).toISOString(),
    }));
}
