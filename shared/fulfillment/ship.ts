/**
 * The seller ships a paid physical order (`POST /admin/v1/orders/:id/ship`): the shipment that
 * awaits it (PENDING) gets its carrier, tracking number and warehouse and goes SHIPPED, or, after
 * a failed delivery, a new shipment is written SHIPPED; the order goes SHIPPED (from PAID, or
 * FULFILLING after a failure) and its fulfillment SHIPPED, all in one batch compared on versions.
 * A tracking number names one parcel per carrier (a unique index): another parcel's number is 409
 * `tracking_number_taken`. Shipping the same order again with the parcel it already shipped
 * answers the order as it is (a retried request); anything else on a shipped order is 409
 * `invalid_transition`. Callbacks the carrier sent for this parcel before it was shipped here
 * (parked: they named no shipment) are queued again in the same batch, so they apply now.
 *
 * Across order shards (issue #20): the order and its shipments are on the order's shard, the
 * warehouses and the parcel claims in the commerce database. The tracking number is claimed for the
 * order there first (parcels.ts: unique across shards; a retry finds its own claim), callbacks
 * parked there for the parcel are queued again (their consumer forwards them to this shard now
 * that the parcel has an order), then one shard batch behind the slot's fence moves the order and
 * the shipment and queues the shard's parked callbacks, asserting none is left parked (one parked
 * after the read fails the batch: 409 version_conflict, retry). When the batch fails and the
 * order did not ship this parcel (a fence, a racing ship with another number), the claim this call
 * made is given back, so a refused ship changes nothing and leaves the number free.
 */
import { and, desc, eq, ne, sql } from "drizzle-orm";
import { z } from "zod";
import { carrierEvents, orders, shipments, warehouses } from "../../db/schema";
import { outboxInsert, sendOutbox } from "../events/outbox";
import type { Producers } from "../events/producer";
import type { OrderStore } from "../orders/order-store";
import { getOrder, type OrderScope, type OrderView } from "../orders/orders";
import { next } from "../orders/state-machine";
import type { Actor } from "../platform/actor";
import type { Clock } from "../platform/clock";
import { assertExists, type Db, isAssertionFailure, isUniqueViolation, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { errorFields, type Logger } from "../platform/logger";
import { carrierEventMessage, carrierName } from "./carrier-events";
import { claimParcel, type Parcel, releaseParcel } from "./parcels";
import { insertShipment, moveOrder, moveShipment, newChange } from "./status-writes";

export const shipBody = z.strictObject({
  carrier: carrierName.describe("The carrier's name (also the path of its callbacks: /webhooks/carriers/{carrier})"),
  trackingNumber: z
    .string()
    .regex(/^[A-Za-z0-9-]{4,64}$/, "must be 4 to 64 letters, digits or -")
    .describe("The carrier's tracking number; unique per carrier"),
  warehouseId: z
    .string()
    .min(1)
    .optional()
    .describe("Where it leaves from; default: the warehouse that held the stock"),
});
export type ShipBody = z.infer<typeof shipBody>;

export interface ShipDeps {
  /** The commerce database: warehouses, parcel claims, callbacks of parcels no order had. */
  db: Db;
  orders: OrderStore;
  clock: Clock;
  producers: Producers;
  log: Logger;
}

export interface ShipInput extends ShipBody {
  orderId: string;
  /** The shops the caller may act on (a seller's own; another shop's order is 404). */
  scope: OrderScope;
  actor: Actor;
}

function scoped(scope: OrderScope, orderId: string) {
  if ("shopId" in scope) return and(eq(orders.id, orderId), eq(orders.shopId, scope.shopId));
  if ("userId" in scope) return and(eq(orders.id, orderId), eq(orders.userId, scope.userId));
  return eq(orders.id, orderId);
}

/** Whether this order already shipped this parcel (and it has not failed: shipping again needs a new number). */
async function alreadyShipped(db: Db, input: ShipInput): Promise<boolean> {
  const same = await db.query.shipments.findFirst({
    where: and(
      eq(shipments.orderId, input.orderId),
      eq(shipments.carrier, input.carrier),
      eq(shipments.trackingNumber, input.trackingNumber),
      ne(shipments.status, "FAILED"),
    ),
  });
  return same !== undefined;
}

/**
 * Parked callbacks of the parcel back to `received`, and a new message for each (keyed to this
 * shipment, naming `orderId` when `db` is the order's shard; none in the commerce database, whose
 * consumer forwards them to the shard).
 */
async function requeueParked(db: Db, parcel: Parcel, shipmentId: string, now: number, orderId?: string) {
  const parked = await db
    .select({ eventId: carrierEvents.eventId, type: carrierEvents.type })
    .from(carrierEvents)
    .where(
      and(
        eq(carrierEvents.status, "parked"),
        eq(carrierEvents.carrier, parcel.carrier),
        eq(carrierEvents.trackingNumber, parcel.trackingNumber),
      ),
    );
  // A new message id per shipment: the consumer's inbox already holds the first message's.
  const rows = await Promise.all(
    parked.map((p) => carrierEventMessage({ carrier: parcel.carrier, ...p, orderId }, now, shipmentId)),
  );
  const statements = parked.map((p) =>
    db
      .update(carrierEvents)
      .set({ status: "received", note: `requeued when shipped as ${shipmentId}`, updatedAt: now })
      .where(
        and(
          eq(carrierEvents.carrier, parcel.carrier),
          eq(carrierEvents.eventId, p.eventId),
          eq(carrierEvents.status, "parked"),
        ),
      ),
  );
  return { rows, statements: [...statements, ...rows.map((row) => outboxInsert(db, row))] };
}

/** No callback of the parcel is left parked on the shard (one parked after `requeueParked` read fails the batch). */
function noneParked(db: Db, parcel: Parcel) {
  return assertExists(
    db,
    sql`SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM carrier_events WHERE status = 'parked' AND carrier = ${parcel.carrier} AND tracking_number = ${parcel.trackingNumber})`,
  );
}

export async function shipOrder(deps: ShipDeps, input: ShipInput): Promise<OrderView> {
  const home = await deps.orders.homeOfOrder(input.orderId);
  const { db } = home;
  const order = await db.query.orders.findFirst({ where: scoped(input.scope, input.orderId) });
  if (!order) throw new AppError("not_found", { detail: `No order ${input.orderId}` });
  if (order.kind !== "physical") {
    throw new AppError("invalid_transition", {
      detail: "Virtual goods are delivered by the top-up service, not shipped",
      extensions: { machine: "fulfillment", currentStatus: order.fulfillmentStatus, event: "ship" },
    });
  }
  if (await alreadyShipped(db, input)) return getOrder(db, { all: true }, order.id);
  // Refuses before payment, after delivery, and while no shipment awaits (order.paid not applied yet).
  next("order", order.status, "ship");
  next("fulfillment", order.fulfillmentStatus, "ship");
  const [latest] = await db
    .select()
    .from(shipments)
    .where(eq(shipments.orderId, order.id))
    .orderBy(desc(shipments.createdAt), desc(shipments.id))
    .limit(1);
  if (!latest) throw new AppError("version_conflict", { detail: "The order's shipment is being prepared; retry" });
  if (input.warehouseId) {
    const own = await deps.db.query.warehouses.findFirst({
      where: and(eq(warehouses.id, input.warehouseId), eq(warehouses.shopId, order.shopId)),
    });
    if (!own) throw new AppError("not_found", { detail: `No warehouse ${input.warehouseId}` });
  }
  const change = newChange(input.actor, deps.clock.now());
  const parcel = {
    carrier: input.carrier,
    trackingNumber: input.trackingNumber,
    warehouseId: input.warehouseId ?? latest.warehouseId,
    shippedAt: change.now,
  };
  const shipmentId = latest.status === "PENDING" ? latest.id : newId("shipment", change.now);
  const shipmentStatements =
    latest.status === "PENDING"
      ? moveShipment(db, latest, "ship", change, parcel)
      : insertShipment(
          db,
          { id: shipmentId, orderId: order.id, shopId: order.shopId, status: "SHIPPED", ...parcel },
          "ship",
          change,
        );
  const claim = await claimParcel(deps.db, parcel, order.id, change.now);
  const unrouted = await requeueParked(deps.db, parcel, shipmentId, change.now);
  if (unrouted.rows.length > 0) {
    await runBatch(deps.db, unrouted.statements);
    await sendOutbox(deps.db, deps.producers, unrouted.rows, change.now).catch((err: unknown) =>
      deps.log.warn("requeued carrier callbacks left to the outbox", { orderId: order.id, ...errorFields(err) }),
    );
  }
  const early = await requeueParked(db, parcel, shipmentId, change.now, order.id);
  try {
    await home.batch([
      ...moveOrder(db, order, { order: "ship", fulfillment: "ship" }, change),
      ...shipmentStatements,
      ...early.statements,
      noneParked(db, parcel),
    ]);
  } catch (err) {
    // Nothing was shipped (fenced, or another ship of the order won): the number is free again.
    if (claim.fresh && !(await alreadyShipped(db, input))) await releaseParcel(deps.db, parcel, order.id);
    if (isUniqueViolation(err, "shipments.carrier")) {
      if (await alreadyShipped(db, input)) return getOrder(db, { all: true }, order.id);
      throw new AppError("tracking_number_taken", {
        detail: `${input.carrier} tracking number ${input.trackingNumber} is another parcel's`,
        extensions: { carrier: input.carrier, trackingNumber: input.trackingNumber },
      });
    }
    if (!isAssertionFailure(err)) throw err;
    // A racing ship (or a refund) moved the order first: the same parcel is a success, else say why not.
    if (await alreadyShipped(db, input)) return getOrder(db, { all: true }, order.id);
    const current = await db.query.orders.findFirst({ where: eq(orders.id, order.id) });
    next("order", current?.status ?? order.status, "ship");
    throw new AppError("version_conflict", { detail: "The order changed meanwhile; retry" });
  }
  if (early.rows.length > 0) {
    await sendOutbox(db, deps.producers, early.rows, change.now).catch((err: unknown) =>
      deps.log.warn("requeued carrier callbacks left to the outbox", { orderId: order.id, ...errorFields(err) }),
    );
  }
  return getOrder(db, { all: true }, order.id);
}
