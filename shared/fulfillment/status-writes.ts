/**
 * The statements that move an order's status / fulfillment status and a shipment's status through
 * shared/orders/state-machine.ts: each update compares `version`, the batch asserts it won (on
 * `last_op_id`), and each change gets a status-log row. Callers put them in one D1 batch with
 * whatever else must commit with the move.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { orderStatusLog, orders, shipments } from "../../db/schema";
import type { QueueMessage } from "../events/messages";
import { type OutboxRow, outboxInsert, outboxRow } from "../events/outbox";
import { type EventOf, next } from "../orders/state-machine";
import { type Actor, actorText } from "../platform/actor";
import { assertExists, type Db } from "../platform/db";
import { newId } from "../platform/ids";

export type OrderRow = typeof orders.$inferSelect;
export type ShipmentRow = typeof shipments.$inferSelect;

/** One operation: its id (the compare-and-set's witness), who did it, and when. */
export interface Change {
  opId: string;
  actor: Actor;
  now: number;
}

export function newChange(actor: Actor, now: number): Change {
  return { opId: newId("operation", now), actor, now };
}

function logRow(
  db: Db,
  change: Change,
  entity: { type: "order" | "shipment"; id: string },
  field: string,
  move: { from: string | null; to: string; event: string },
) {
  return db.insert(orderStatusLog).values({
    id: newId("statusLog", change.now),
    entityType: entity.type,
    entityId: entity.id,
    field,
    fromStatus: move.from,
    toStatus: move.to,
    event: move.event,
    actor: actorText(change.actor),
    at: change.now,
  });
}

/** The id of `orderId`'s order.completed: one per order, whichever completion and however often sent. */
export const orderCompletedEventId = (orderId: string) => `evt_completed_${orderId}`;

/**
 * The outbox row of `order.completed` for `order` completing at `now` (on order-events). The batch
 * that completes the order inserts it (moveOrder); its writer sends it after the commit
 * (`completedOutbox` again gives the same row), or the events cron does.
 */
export function completedOutbox(order: OrderRow, now: number): OutboxRow {
  const event: QueueMessage<"order-events"> = {
    id: orderCompletedEventId(order.id),
    type: "order.completed",
    occurredAt: now,
    data: {
      orderId: order.id,
      payOrderId: order.payOrderId,
      userId: order.userId,
      shopId: order.shopId,
      kind: order.kind,
      total: { amount: order.totalAmount, currency: order.currency },
    },
  };
  return outboxRow("order-events", event);
}

/**
 * Moves `order` by an order event and/or a fulfillment event (each must be allowed, else 409
 * `invalid_transition`), compared on the version read. A move to COMPLETED also puts
 * `order.completed` in the outbox (`completedOutbox`); its coins are earned in the commerce ledger
 * after the commit (complete-order.ts `earnCompletedCoins`), since the order's shard is another database.
 */
export function moveOrder(
  db: Db,
  order: OrderRow,
  events: { order?: EventOf<"order">; fulfillment?: EventOf<"fulfillment"> },
  change: Change,
): BatchItem<"sqlite">[] {
  const status = events.order ? next("order", order.status, events.order) : order.status;
  const fulfillmentStatus = events.fulfillment
    ? next("fulfillment", order.fulfillmentStatus, events.fulfillment)
    : order.fulfillmentStatus;
  const entity = { type: "order" as const, id: order.id };
  return [
    db
      .update(orders)
      .set({ status, fulfillmentStatus, version: order.version + 1, lastOpId: change.opId, updatedAt: change.now })
      .where(and(eq(orders.id, order.id), eq(orders.version, order.version))),
    assertExists(db, sql`SELECT 1 FROM orders WHERE id = ${order.id} AND last_op_id = ${change.opId}`),
    ...(events.order
      ? [logRow(db, change, entity, "status", { from: order.status, to: status, event: events.order })]
      : []),
    ...(events.fulfillment
      ? [
          logRow(db, change, entity, "fulfillment_status", {
            from: order.fulfillmentStatus,
            to: fulfillmentStatus,
            event: events.fulfillment,
          }),
        ]
      : []),
    ...(status === "COMPLETED" && order.status !== "COMPLETED"
      ? [outboxInsert(db, completedOutbox(order, change.now))]
      : []),
  ];
}

/** Moves `shipment` by `event` (409 `invalid_transition` if not allowed), setting `fields` too. */
export function moveShipment(
  db: Db,
  shipment: ShipmentRow,
  event: EventOf<"shipment">,
  change: Change,
  fields: Partial<
    Pick<ShipmentRow, "carrier" | "trackingNumber" | "warehouseId" | "shippedAt" | "deliveredAt" | "failedAt">
  > = {},
): BatchItem<"sqlite">[] {
  const status = next("shipment", shipment.status, event);
  return [
    db
      .update(shipments)
      .set({ ...fields, status, version: shipment.version + 1, lastOpId: change.opId, updatedAt: change.now })
      .where(and(eq(shipments.id, shipment.id), eq(shipments.version, shipment.version))),
    assertExists(db, sql`SELECT 1 FROM shipments WHERE id = ${shipment.id} AND last_op_id = ${change.opId}`),
    logRow(db, change, { type: "shipment", id: shipment.id }, "status", { from: shipment.status, to: status, event }),
  ];
}

/** A new shipment row in `status` (PENDING awaiting the seller, or SHIPPED on a ship again), logged. */
export function insertShipment(
  db: Db,
  row: Omit<ShipmentRow, "version" | "lastOpId" | "createdAt" | "updatedAt" | "deliveredAt" | "failedAt">,
  event: "request" | "ship",
  change: Change,
): BatchItem<"sqlite">[] {
  return [
    db.insert(shipments).values({ ...row, lastOpId: change.opId, createdAt: change.now, updatedAt: change.now }),
    logRow(db, change, { type: "shipment", id: row.id }, "status", { from: null, to: row.status, event }),
  ];
}
