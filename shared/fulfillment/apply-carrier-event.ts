/**
 * Applying a stored carrier callback to its shipment (the `shipment.carrier_event` consumer).
 * Callbacks arrive duplicated, late and out of order, so an event only ever moves a shipment
 * forward along the `shipment` machine: a late `in_transit` after `delivered`, or anything after
 * a terminal status, finds no edge and is recorded as applied with a `stale` note, changing
 * nothing. `delivered` takes the order SHIPPED → DELIVERED; `failed` hands it back to the seller
 * (order FULFILLING, fulfillment FAILED: ship again or refund). The shipment's, the order's and
 * the inbox row's changes commit in one batch, each compared on what was read, so two deliveries
 * racing apply once (the loser retries and finds the event applied).
 *
 * Across order shards (issue #20): a callback whose message names an order is stored on that
 * order's shard with its shipment, and applied there behind the slot's fence. One stored in the
 * commerce database (its parcel had no order when it came) is forwarded to the order's shard once
 * the parcel is claimed (parcels.ts), or parked in the commerce database until the ship requeues
 * it. Each park is guarded in its own database against the ship that would requeue it (the
 * commerce park by no claim, the shard park by no shipment), so no callback is parked after the
 * ship looked for parked ones.
 */
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { carrierEvents, orders, shipments } from "../../db/schema";
import type { ConsumerDeps } from "../events/consumer";
import { outboxInsert, sendOutbox } from "../events/outbox";
import { type EventOf, target } from "../orders/state-machine";
import { SYSTEM_ACTOR } from "../platform/actor";
import { assertExists, type Db, isAssertionFailure, runBatch } from "../platform/db";
import { AppError } from "../platform/errors";
import { errorFields } from "../platform/logger";
import { type CarrierEventType, carrierEventMessage } from "./carrier-events";
import { orderOfParcel } from "./parcels";
import { type Change, moveOrder, moveShipment, newChange, type ShipmentRow } from "./status-writes";

type Deps = Pick<ConsumerDeps, "db" | "orders" | "clock" | "log" | "producers">;

/** What each callback does to the shipment, and to its order when the shipment is the order's current one. */
const EFFECTS: Record<
  CarrierEventType,
  { shipment: EventOf<"shipment">; order?: { order: EventOf<"order">; fulfillment: EventOf<"fulfillment"> } }
> = {
  "shipment.in_transit": { shipment: "transit" },
  "shipment.delivered": { shipment: "deliver", order: { order: "deliver", fulfillment: "deliver" } },
  "shipment.failed": { shipment: "fail", order: { order: "fail_delivery", fulfillment: "fail" } },
};

/** The inbox row leaves `received` (asserted, so a racing delivery of the same event aborts), only `unless` holds not. */
function closeInboxRow(
  db: Db,
  key: { carrier: string; eventId: string },
  status: "applied" | "parked",
  note: string | null,
  now: number,
  unless?: SQL,
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
          unless ? sql`NOT EXISTS (${unless})` : undefined,
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

type StoredEvent = typeof carrierEvents.$inferSelect;

async function storedEvent(db: Db, key: { carrier: string; eventId: string }): Promise<StoredEvent> {
  const stored = await db.query.carrierEvents.findFirst({
    where: and(eq(carrierEvents.carrier, key.carrier), eq(carrierEvents.eventId, key.eventId)),
  });
  if (!stored)
    throw new AppError("unavailable", { detail: `Carrier event ${key.eventId} not stored yet`, retryable: true });
  return stored;
}

/** A compare-and-set that lost: a redelivery decides again against what is there now. */
async function commit(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (!isAssertionFailure(err)) throw err;
    throw new AppError("version_conflict", { detail: "The shipment or order changed meanwhile", retryable: true });
  }
}

/** Applies carrier event (carrier, eventId) once; an event naming an unknown parcel is parked. */
export async function applyCarrierEvent(
  deps: Deps,
  input: { carrier: string; carrierEventId: string; orderId?: string | undefined },
): Promise<void> {
  const key = { carrier: input.carrier, eventId: input.carrierEventId };
  if (!input.orderId) {
    await applyUnrouted(deps, key);
    return;
  }
  const home = await deps.orders.homeOfOrder(input.orderId);
  const { db } = home;
  const stored = await storedEvent(db, key);
  if (stored.status !== "received") return;
  const shipment = await db.query.shipments.findFirst({
    where: and(eq(shipments.carrier, stored.carrier), eq(shipments.trackingNumber, stored.trackingNumber)),
  });
  const change = newChange(SYSTEM_ACTOR, deps.clock.now());
  let statements: BatchItem<"sqlite">[];
  if (!shipment) {
    // Claimed, not shipped yet (the ship's batch is on its way): parked unless the shipment landed meanwhile.
    deps.log.warn("carrier event for a parcel not shipped yet parked", {
      ...key,
      trackingNumber: stored.trackingNumber,
    });
    statements = closeInboxRow(
      db,
      key,
      "parked",
      `no shipment ${stored.carrier}/${stored.trackingNumber}`,
      change.now,
      sql`SELECT 1 FROM shipments WHERE carrier = ${stored.carrier} AND tracking_number = ${stored.trackingNumber}`,
    );
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
  await commit(() => home.batch(statements));
}

/** The commerce row's note once forwarded: also how a forward that died half-way is recognised and finished. */
const forwardedNote = (orderId: string) => `forwarded to order ${orderId}'s shard`;

/**
 * A callback stored in the commerce database: forwarded to its order's shard once its parcel has
 * an order, else parked (unless the parcel was claimed meanwhile: then the retry forwards it).
 */
async function applyUnrouted(deps: Deps, key: { carrier: string; eventId: string }): Promise<void> {
  const stored = await storedEvent(deps.db, key);
  const parcel = { carrier: stored.carrier, trackingNumber: stored.trackingNumber };
  if (stored.status !== "received") {
    // A forward closed the commerce row and may have died before the shard's copy: finish it.
    const orderId = stored.note?.startsWith("forwarded to order ") ? await orderOfParcel(deps, parcel) : null;
    if (orderId && stored.note === forwardedNote(orderId)) await copyToShard(deps, stored, orderId, deps.clock.now());
    return;
  }
  const orderId = await orderOfParcel(deps, parcel);
  const now = deps.clock.now();
  if (!orderId) {
    deps.log.warn("carrier event for an unknown parcel parked", { ...key, trackingNumber: stored.trackingNumber });
    await commit(() =>
      runBatch(
        deps.db,
        closeInboxRow(
          deps.db,
          key,
          "parked",
          `no shipment ${stored.carrier}/${stored.trackingNumber}`,
          now,
          sql`SELECT 1 FROM parcels WHERE carrier = ${stored.carrier} AND tracking_number = ${stored.trackingNumber}`,
        ),
      ),
    );
    return;
  }
  // Closed here first, then copied: a crash in between is finished by the retry (above).
  await deps.db
    .update(carrierEvents)
    .set({ status: "applied", note: forwardedNote(orderId), updatedAt: now })
    .where(
      and(
        eq(carrierEvents.carrier, stored.carrier),
        eq(carrierEvents.eventId, stored.eventId),
        eq(carrierEvents.status, "received"),
      ),
    );
  await copyToShard(deps, stored, orderId, now);
}

/**
 * The shard's copy of a forwarded callback, `received`, with its message (inserted once: the same
 * message id however often forwarded). Shard 0 is the commerce database itself, where the copy is
 * the forwarded row: it goes back to `received` (recognised by the forward's note) to be applied.
 */
async function copyToShard(
  deps: Pick<Deps, "db" | "orders" | "producers" | "log">,
  stored: StoredEvent,
  orderId: string,
  now: number,
): Promise<void> {
  const home = await deps.orders.homeOfOrder(orderId);
  const row = await carrierEventMessage({ ...stored, orderId }, now, `forwarded to ${orderId}`);
  const note = "forwarded from the commerce database";
  await home.batch([
    home.db
      .insert(carrierEvents)
      .values({ ...stored, status: "received", note, updatedAt: now })
      .onConflictDoUpdate({
        target: [carrierEvents.carrier, carrierEvents.eventId],
        set: { status: "received", note, updatedAt: now },
        setWhere: and(eq(carrierEvents.status, "applied"), eq(carrierEvents.note, forwardedNote(orderId))),
      }),
    outboxInsert(home.db, row).onConflictDoNothing(),
  ]);
  await sendOutbox(home.db, deps.producers, [row], now).catch((err: unknown) =>
    deps.log.warn("forwarded carrier event left to the outbox", { eventId: stored.eventId, ...errorFields(err) }),
  );
}
