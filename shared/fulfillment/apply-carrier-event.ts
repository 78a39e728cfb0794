/**
 * Applying a stored carrier callback to its shipment (the `shipment.carrier_event` consumer).
 * Callbacks arrive duplicated, late and out of order, so an event only ever moves a shipment
 * forward along the `shipment` machine: a late `in_transit` after `delivered`, or anything after
 * a terminal status, finds no edge and is recorded as applied with a `stale` note, changing
 * nothing. `delivered` takes the order SHIPPED → DELIVERED; `failed` hands it back to the seller
 * (order FULFILLING, fulfillment FAILED: ship again or refund). The shipment's, the order's and
 * the inbox row's changes commit in one batch, each compared on what was read, so two deliveries
 * racing apply once (the loser retries and finds the event applied).
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { carrierEvents, orders, shipments } from "../../db/schema";
import type { ConsumerDeps } from "../events/consumer";
import { type EventOf, target } from "../orders/state-machine";
import { SYSTEM_ACTOR } from "../platform/actor";
import { assertExists, type Db, isAssertionFailure, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import type { CarrierEventType } from "./carrier-events";
import { type Change, moveOrder, moveShipment, newChange, type ShipmentRow } from "./status-writes";

type Deps = Pick<ConsumerDeps, "db" | "clock" | "log">;

/** What each callback does to the shipment, and to its order when the shipment is the order's current one. */
const EFFECTS: Record<
  CarrierEventType,
  { shipment: EventOf<"shipment">; order?: { order: EventOf<"order">; fulfillment: EventOf<"fulfillment"> } }
> = {
  "shipment.in_transit": { shipment: "transit" },
  "shipment.delivered": { shipment: "deliver", order: { order: "deliver", fulfillment: "deliver" } },
  "shipment.failed": { shipment: "fail", order: { order: "fail_delivery", fulfillment: "fail" } },
};

/** The inbox row leaves `received` (asserted, so a racing delivery of the same event aborts). */
function closeInboxRow(
  db: Db,
  key: { carrier: string; eventId: string },
  status: "applied" | "parked",
  note: string | null,
  now: number,
) {
  return [
    db
      .update(carrierEvents)
      .set({ status, note, updatedAt: now })
      .where(
        and(
          eq(carrierEvents.carrier, key.carrier),
          eq(carrierEvents.eventId, key.eventId),
          eq(carrierEvents.status, "received"),
        ),
      ),
    assertExists(
      db,
      sql`SELECT 1 FROM carrier_events WHERE carrier = ${key.carrier} AND event_id = ${key.eventId} AND status = ${status} AND updated_at = ${now}`,
    ),
  ];
}

function shipmentFields(event: EventOf<"shipment">, at: number): Partial<ShipmentRow> {
  if (event === "deliver") return { deliveredAt: at };
  if (event === "fail") return { failedAt: at };
  return {};
}

async function orderStatements(
  db: Db,
  shipment: ShipmentRow,
  effect: (typeof EFFECTS)[CarrierEventType],
  change: Change,
) {
  if (!effect.order) return [];
  const order = await db.query.orders.findFirst({ where: eq(orders.id, shipment.orderId) });
  if (!order) return [];
  // The order follows only if it is still where this parcel left it (shipped, not refunded meanwhile).
  if (target("order", order.status, effect.order.order) === null) return [];
  if (target("fulfillment", order.fulfillmentStatus, effect.order.fulfillment) === null) return [];
  return moveOrder(db, order, effect.order, change);
}

/** Applies carrier event (carrier, eventId) once; an event naming an unknown parcel is parked. */
export async function applyCarrierEvent(deps: Deps, input: { carrier: string; carrierEventId: string }): Promise<void> {
  const { db } = deps;
  const key = { carrier: input.carrier, eventId: input.carrierEventId };
  const stored = await db.query.carrierEvents.findFirst({
    where: and(eq(carrierEvents.carrier, key.carrier), eq(carrierEvents.eventId, key.eventId)),
  });
  if (!stored)
    throw new AppError("unavailable", { detail: `Carrier event ${key.eventId} not stored yet`, retryable: true });
  if (stored.status !== "received") return;
  const shipment = await db.query.shipments.findFirst({
    where: and(eq(shipments.carrier, stored.carrier), eq(shipments.trackingNumber, stored.trackingNumber)),
  });
  const change = newChange(SYSTEM_ACTOR, deps.clock.now());
  let statements: BatchItem<"sqlite">[];
  if (!shipment) {
    deps.log.warn("carrier event for an unknown parcel parked", { ...key, trackingNumber: stored.trackingNumber });
    statements = closeInboxRow(db, key, "parked", `no shipment ${stored.carrier}/${stored.trackingNumber}`, change.now);
  } else {
    const effect = EFFECTS[stored.type as CarrierEventType];
    if (target("shipment", shipment.status, effect.shipment) === null) {
      // Late or repeated news (in_transit after delivered, anything after failed): nothing moves.
      statements = closeInboxRow(db, key, "applied", `stale: shipment already ${shipment.status}`, change.now);
    } else {
      statements = [
        ...moveShipment(db, shipment, effect.shipment, change, shipmentFields(effect.shipment, change.now)),
        ...(await orderStatements(db, shipment, effect, change)),
        ...closeInboxRow(db, key, "applied", null, change.now),
      ];
    }
  }
  try {
    await runBatch(db, statements);
  } catch (err) {
    if (!isAssertionFailure(err)) throw err;
    // Another delivery or writer moved something first: retry against what is there now.
    throw new AppError("version_conflict", { detail: "The shipment or order changed meanwhile", retryable: true });
  }
}
