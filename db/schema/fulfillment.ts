/**
 * Physical fulfillment (seed: 订单履约和履约结果回调, 物流与供应链): the shipments of paid orders and
 * the carrier-event inbox. A shipment is created PENDING when its order is paid (awaiting the
 * seller) and moves by shared/orders/state-machine.ts's `shipment` machine; a failed delivery
 * leaves its shipment FAILED and the seller's next ship is a new shipment row.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const shipments = sqliteTable(
  "shipments",
  {
    /** `shm_…`. */
    id: text("id").primaryKey(),
    orderId: text("order_id").notNull(),
    shopId: text("shop_id").notNull(),
    /** Where the goods leave from: the warehouse that held most of the order's units, or the seller's choice. */
    warehouseId: text("warehouse_id").notNull(),
    /** Null while PENDING (the seller has not shipped yet). */
    carrier: text("carrier"),
    trackingNumber: text("tracking_number"),
    /** PENDING → SHIPPED → IN_TRANSIT → DELIVERED, or FAILED; or CANCELLED, refunded before it shipped. */
    status: text("status", {
      enum: ["PENDING", "SHIPPED", "IN_TRANSIT", "DELIVERED", "FAILED", "CANCELLED"],
    }).notNull(),
    shippedAt: integer("shipped_at"),
    deliveredAt: integer("delivered_at"),
    failedAt: integer("failed_at"),
    version: integer("version").notNull().default(1),
    /** The operation whose compare-and-set last won (checked inside the writing batch). */
    lastOpId: text("last_op_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // A tracking number names one parcel of its carrier (SQLite lets the PENDING rows' NULLs repeat).
    uniqueIndex("shipments_tracking").on(t.carrier, t.trackingNumber),
    // One shipment awaits the seller per order: a redelivered order.paid cannot make a second.
    uniqueIndex("shipments_one_pending").on(t.orderId).where(sql`status = 'PENDING'`),
    index("shipments_order").on(t.orderId, t.createdAt),
    // The auto-complete cron's scan: delivered shipments by delivery time.
    index("shipments_delivered").on(t.status, t.deliveredAt),
  ],
);

/**
 * The carrier-event inbox: every callback a carrier sent, stored once by its own event id before
 * anything acts on it (like payment_provider_events), so duplicates are recognised and an event
 * naming a parcel we do not know is parked, not lost.
 */
export const carrierEvents = sqliteTable(
  "carrier_events",
  {
    carrier: text("carrier").notNull(),
    /** The carrier's event id: one row per event, whatever the redeliveries. */
    eventId: text("event_id").notNull(),
    type: text("type").notNull(),
    trackingNumber: text("tracking_number").notNull(),
    /** The verified raw body, exactly as signed. */
    payload: text("payload").notNull(),
    /** `received` until a consumer acts; `applied` (also when it changed nothing: stale); `parked`. */
    status: text("status", { enum: ["received", "applied", "parked"] }).notNull(),
    note: text("note"),
    /** The carrier's own timestamp (`created`, unix seconds × 1000). */
    createdAt: integer("created_at").notNull(),
    receivedAt: integer("received_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.carrier, t.eventId] }),
    index("carrier_events_status").on(t.status, t.receivedAt),
    // A parcel's callbacks: requeued when it ships (ship.ts), listed per parcel.
    index("carrier_events_parcel").on(t.carrier, t.trackingNumber),
  ],
);

/**
 * Which order a carrier's tracking number belongs to, in the commerce database (issue #20): the
 * seller's ship claims it here before the order's shard writes the shipment, so a tracking number
 * names one parcel across every order shard (each shard's `shipments_tracking` sees only its own),
 * and a carrier callback, which names a parcel and not an order, finds its order's shard with one
 * read. A claim whose shard batch never committed (a crash, a fence) stays its order's: only that
 * order may ship with the number.
 */
export const parcels = sqliteTable(
  "parcels",
  {
    carrier: text("carrier").notNull(),
    trackingNumber: text("tracking_number").notNull(),
    orderId: text("order_id").notNull(),
    claimedAt: integer("claimed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.carrier, t.trackingNumber] })],
);
