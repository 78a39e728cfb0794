/**
 * Shipments as order views show them (storefront and admin): every parcel of the order, oldest
 * first, with the units it carries: the order's, less those refunded before it shipped (their
 * refunds restocked them, so they are on sale again and must not leave in the parcel).
 */
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import { z } from "zod";
import { refundItems, refunds, shipments } from "../../db/schema";
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
  items: z
    .array(z.object({ orderItemId: z.string(), quantity: z.number().int().positive() }))
    .describe("The units the parcel carries: the order's, less those refunded (and restocked) before it shipped"),
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

/**
 * The units refunded before they shipped, per order item of `orderIds` (a chunk): the items of
 * refunds that restocked. Only a refund decided while nothing had shipped restocks (shared/refunds/
 * restock.ts), so what a parcel carries does not change once it left.
 */
export function restockedUnitsOfOrders(db: Db, orderIds: string[]) {
  return db
    .select({ orderItemId: refundItems.orderItemId, quantity: sql<number>`sum(${refundItems.quantity})` })
    .from(refundItems)
    .innerJoin(refunds, eq(refunds.id, refundItems.refundId))
    .where(and(inArray(refunds.orderId, orderIds), eq(refunds.restock, true), ne(refunds.status, "REJECTED")))
    .groupBy(refundItems.orderItemId);
}

/** What a parcel of an order with `items` carries, `restocked` units (by order item id) left out. */
export function parcelItems(
  items: readonly { id: string; quantity: number }[],
  restocked: readonly { orderItemId: string; quantity: number }[],
): ShipmentView["items"] {
  return items
    .map((i) => ({
      orderItemId: i.id,
      quantity: i.quantity - restocked.filter((r) => r.orderItemId === i.id).reduce((n, r) => n + r.quantity, 0),
    }))
    .filter((i) => i.quantity > 0);
}

/** The views of `orderId`'s shipments among `rows`, each carrying `items`. */
export function shipmentViewsOf(
  rows: readonly ShipmentRow[],
  orderId: string,
  items: ShipmentView["items"],
): ShipmentView[] {
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
      items,
      createdAt: new Date(r.createdAt).toISOString(),
    }));
}
