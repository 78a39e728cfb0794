/**
 * Reading and cancelling orders. Shoppers see their own orders only (anyone else's is a 404),
 * sellers their shop's. Cancelling (shopper, payment timeout) is a state-machine transition
 * written with a compare-and-set on `version`, logged, reported through the outbox, and followed
 * by releasing the order's stock holds (again by the `order.cancelled` consumer, idempotently,
 * in case this process dies first).
 */
import { and, desc, eq, inArray, lt, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { orderItems, orderSnapshots, orderStatusLog, orders, payOrders } from "../../db/schema";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { makeEvent } from "../events/messages";
import { outboxInsert, outboxRow, sendOutbox } from "../events/outbox";
import type { Producers } from "../events/producer";
import {
  parcelItems,
  restockedUnitsOfOrders,
  shipmentSchema,
  shipmentsOfOrders,
  shipmentViewsOf,
} from "../fulfillment/shipment-views";
import { releaseStockAll } from "../inventory/stock";
import { type Actor, actorText, orderActor, SYSTEM_ACTOR } from "../platform/actor";
import type { Clock } from "../platform/clock";
import { createdCursorSchema, decodeCursor, olderThan, pageOf } from "../platform/cursor";
import { batchReads, inChunks } from "../platform/d1-chunks";
import { assertExists, type Db, isAssertionFailure } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { createLogger, errorFields, type Logger } from "../platform/logger";
import { moneySchema } from "../platform/money";
import { refundSchema, refundsOfOrders } from "../refunds/refunds-read";
import { returnCancelledOrderPromotions } from "./order-promotions";
import { inSlots, type OrderStore } from "./order-store";
import { next, target } from "./state-machine";

export interface OrderOpsDeps {
  /** The commerce database. */
  db: Db;
  /** The order shards (order-store.ts). */
  orders: OrderStore;
  clock: Clock;
  producers: Producers;
  inventory: DurableObjectNamespace<SkuInventory>;
  /** Where best-effort steps report what they could not do (the request's logger). */
  log?: Logger;
}

const money = (amount: number, currency: string) => ({ amount, currency }) as z.infer<typeof moneySchema>;

/** `:orderId` in paths: a 19-digit order number (order-numbers.ts). */
export const orderIdParam = z.object({ orderId: z.string().regex(/^\d{19}$/, "is not an order number") });

export const orderItemSchema = z.object({
  orderItemId: z.string(),
  skuId: z.string(),
  productId: z.string(),
  snapshotId: z.string().describe("The content-addressed snapshot of what was bought"),
  name: z.string(),
  quantity: z.number().int(),
  unitPrice: moneySchema,
  discount: moneySchema,
  paidAmount: moneySchema.describe("unit price × quantity − discount"),
  rechargeTarget: z.string().nullable().describe("Virtual goods: the phone number topped up; null for goods that ship"),
  status: z.string(),
});

export const orderSchema = z.object({
  orderId: z.string(),
  payOrderId: z.string(),
  sellerId: z.string(),
  kind: z.enum(["physical", "virtual"]),
  status: z.string(),
  paymentStatus: z.string(),
  fulfillmentStatus: z.string(),
  refundStatus: z.string(),
  items: z.array(orderItemSchema),
  itemsAmount: moneySchema,
  shippingFee: moneySchema,
  discount: moneySchema,
  total: moneySchema,
  address: z.record(z.string(), z.unknown()).nullable(),
  cancelReason: z.string().nullable(),
  payBy: z.string(),
  version: z.number().int(),
  shipments: z.array(shipmentSchema).describe("Its parcels, oldest first (a failed one, then the one shipped again)"),
  refunds: z.array(refundSchema).describe("Its refunds, oldest first, with their items and amounts"),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrderView = z.infer<typeof orderSchema>;

type OrderRow = typeof orders.$inferSelect;

async function withItems(db: Db, rows: OrderRow[]): Promise<OrderView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [items, pays, parcels, restocked] = await batchReads(db, [
    inChunks(ids, (chunk) =>
      db
        .select({ item: orderItems, content: orderSnapshots.content })
        .from(orderItems)
        .innerJoin(orderSnapshots, eq(orderSnapshots.id, orderItems.snapshotId))
        .where(inArray(orderItems.orderId, chunk))
        .orderBy(orderItems.id),
    ),
    inChunks([...new Set(rows.map((r) => r.payOrderId))], (chunk) =>
      db.select({ id: payOrders.id, payBy: payOrders.payBy }).from(payOrders).where(inArray(payOrders.id, chunk)),
    ),
    inChunks(ids, (chunk) => shipmentsOfOrders(db, chunk)),
    inChunks(ids, (chunk) => restockedUnitsOfOrders(db, chunk)),
  ]);
  const refundsBy = await refundsOfOrders(db, ids);
  return rows.map((o) => {
    const m = (amount: number) => money(amount, o.currency);
    return {
      orderId: o.id,
      payOrderId: o.payOrderId,
      sellerId: o.shopId,
      kind: o.kind,
      status: o.status,
      paymentStatus: o.paymentStatus,
      fulfillmentStatus: o.fulfillmentStatus,
      refundStatus: o.refundStatus,
      items: items
        .filter(({ item }) => item.orderId === o.id)
        .map(({ item, content }) => {
          const snap = JSON.parse(content) as { productName: string; skuName: string };
          return {
            orderItemId: item.id,
            skuId: item.skuId,
            productId: item.productId,
            snapshotId: item.snapshotId,
            name: `${snap.productName} ${snap.skuName}`.trim(),
            quantity: item.quantity,
            unitPrice: m(item.unitPrice),
            discount: m(item.discount),
            paidAmount: m(item.paidAmount),
            rechargeTarget: item.rechargeTarget,
            status: item.status,
          };
        }),
      itemsAmount: m(o.itemsAmount),
      shippingFee: m(o.shippingFee),
      discount: m(o.discountAmount),
      total: m(o.totalAmount),
      address: o.address ? (JSON.parse(o.address) as Record<string, unknown>) : null,
      cancelReason: o.cancelReason,
      payBy: new Date(pays.find((p) => p.id === o.payOrderId)?.payBy ?? o.createdAt).toISOString(),
      version: o.version,
      shipments: shipmentViewsOf(
        parcels,
        o.id,
        parcelItems(
          items.filter(({ item }) => item.orderId === o.id).map(({ item }) => item),
          restocked,
        ),
      ),
      refunds: refundsBy.get(o.id) ?? [],
      createdAt: new Date(o.createdAt).toISOString(),
      updatedAt: new Date(o.updatedAt).toISOString(),
    };
  });
}

/** Whose orders a list or lookup may see. */
export type OrderScope = { userId: string } | { shopId: string } | { all: true };

/** The scope of a shop's orders, or of every shop's for `undefined` (what `shopFilterFor` answers an operator naming none). */
export function shopOrderScope(shopId: string | undefined): OrderScope {
  return shopId === undefined ? { all: true } : { shopId };
}

function scopeCondition(scope: OrderScope): SQL | undefined {
  if ("userId" in scope) return eq(orders.userId, scope.userId);
  if ("shopId" in scope) return eq(orders.shopId, scope.shopId);
  return undefined;
}

export async function getOrder(db: Db, scope: OrderScope, orderId: string): Promise<OrderView> {
  const row = await db.query.orders.findFirst({ where: and(eq(orders.id, orderId), scopeCondition(scope)) });
  if (!row) throw new AppError("not_found", { detail: `No order ${orderId}` });
  const [view] = await withItems(db, [row]);
  return view as OrderView;
}

export const listOrdersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
  status: z
    .string()
    .regex(/^[A-Z_]+$/)
    .optional()
    .describe("Only orders in this status"),
});

/** The newest `limit + 1` orders of `scope` after the cursor on one database (only `slots`' when given). */
function orderRows(db: Db, scope: OrderScope, query: z.infer<typeof listOrdersQuery>, slots: number[] | "all" = "all") {
  const conditions: (SQL | undefined)[] = [scopeCondition(scope)];
  if (query.status) conditions.push(eq(orders.status, query.status));
  if (query.cursor) {
    conditions.push(olderThan(orders.createdAt, orders.id, decodeCursor(createdCursorSchema, query.cursor)));
  }
  conditions.push(inSlots(orders.id, slots));
  return db
    .select()
    .from(orders)
    .where(and(...conditions))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(query.limit + 1);
}

/** Newest first, from one database: a shopper's orders, all in the shopper's shard. */
export async function listOrders(db: Db, scope: OrderScope, query: z.infer<typeof listOrdersQuery>) {
  const page = pageOf(await orderRows(db, scope, query), query.limit, (r) => r);
  return { items: await withItems(db, page.items), nextCursor: page.nextCursor };
}

/**
 * A shop's (or every shop's) orders, newest first, from every order shard: each shard answers its
 * newest `limit + 1` after the cursor and the merge keeps the newest `limit + 1` of those, so the
 * keyset cursor (created time, order number) is exact across shards: whatever is older than a page's
 * last row on any shard comes on a later page. Each shard answers only the slots the slot table gives
 * it, so a moved slot's copy waiting for its purge (or one being made) never shows an order twice.
 * Fan-out, not a seller-side projection: docs/decisions.md says why.
 */
export async function listOrdersAcrossShards(
  store: OrderStore,
  scope: OrderScope,
  query: z.infer<typeof listOrdersQuery>,
) {
  const routed = (await store.routed()).filter((r) => r.slots === "all" || r.slots.length > 0);
  const perShard = await Promise.all(
    routed.map(async ({ shard, slots }) =>
      (await orderRows(shard.db, scope, query, slots)).map((row) => ({ row, shard })),
    ),
  );
  const merged = perShard
    .flat()
    .sort((a, b) => b.row.createdAt - a.row.createdAt || (a.row.id < b.row.id ? 1 : a.row.id > b.row.id ? -1 : 0));
  const page = pageOf(
    merged.slice(0, query.limit + 1).map((m) => ({ ...m, createdAt: m.row.createdAt, id: m.row.id })),
    query.limit,
    (m) => m,
  );
  const views = new Map<string, OrderView>();
  await Promise.all(
    routed.map(async ({ shard }) => {
      const rows = page.items.filter((m) => m.shard.index === shard.index).map((m) => m.row);
      for (const view of await withItems(shard.db, rows)) views.set(view.orderId, view);
    }),
  );
  return { items: page.items.map((m) => views.get(m.row.id) as OrderView), nextCursor: page.nextCursor };
}

// ---------------------------------------------------------------------------------------------
// Cancelling

/** What a shopper's cancel is answered and logged with when the request gives no reason. */
export const SHOPPER_CANCEL_REASON = "cancelled by the shopper";

/** The optional body of POST /v1/orders/:orderId/cancel: the shopper's reason, stored as given. */
export const cancelOrderBody = z
  .object({
    reason: z
      .string()
      .max(500)
      .refine((r) => r.trim().length > 0, "must not be blank")
      .optional()
      .describe("Stored and answered exactly as given (`cancelReason`)"),
  })
  .strict();
export type CancelOrderBody = z.infer<typeof cancelOrderBody>;

export interface CancelInput {
  orderId: string;
  /** When set, only this user's order can be cancelled (others are 404). */
  userId?: string;
  actor: Actor;
  reason: string;
}

/** CREATED → CANCELLED with payment closed; then the stock holds are released. */
export async function cancelOrder(deps: OrderOpsDeps, input: CancelInput): Promise<OrderView> {
  const home = await deps.orders.homeOfOrder(input.orderId);
  const { db } = home;
  const scope: OrderScope = input.userId ? { userId: input.userId } : { all: true };
  const order = await db.query.orders.findFirst({ where: and(eq(orders.id, input.orderId), scopeCondition(scope)) });
  if (!order) throw new AppError("not_found", { detail: `No order ${input.orderId}` });
  const status = next("order", order.status, "cancel");
  const paymentStatus = target("payment", order.paymentStatus, "close") ?? order.paymentStatus;
  const now = deps.clock.now();
  const opId = newId("operation", now);
  const actor = actorText(input.actor);
  const log = (field: string, from: string, to: string) =>
    db.insert(orderStatusLog).values({
      id: newId("statusLog", now),
      entityType: "order",
      entityId: order.id,
      field,
      fromStatus: from,
      toStatus: to,
      event: "cancel",
      actor,
      at: now,
    });
  const cancelled = outboxRow(
    "order-events",
    makeEvent("order.cancelled", { orderId: order.id, payOrderId: order.payOrderId, reason: input.reason }, now),
  );
  try {
    await home.batch([
      db
        .update(orders)
        .set({
          status,
          paymentStatus,
          cancelReason: input.reason,
          version: order.version + 1,
          lastOpId: opId,
          updatedAt: now,
        })
        .where(and(eq(orders.id, order.id), eq(orders.version, order.version))),
      assertExists(db, sql`SELECT 1 FROM orders WHERE id = ${order.id} AND last_op_id = ${opId}`),
      // The pay order now covers only its open orders; with none left, its payment closes.
      db
        .update(payOrders)
        .set({
          payAmount: sql`${payOrders.payAmount} - ${order.totalAmount}`,
          cashAmount: sql`${payOrders.cashAmount} - ${order.totalAmount}`,
          paymentStatus: sql`CASE WHEN NOT EXISTS (SELECT 1 FROM orders WHERE pay_order_id = ${order.payOrderId} AND status <> 'CANCELLED') AND payment_status IN ('UNPAID', 'PENDING', 'FAILED') THEN 'CLOSED' ELSE payment_status END`,
          version: sql`${payOrders.version} + 1`,
          lastOpId: opId,
          updatedAt: now,
        })
        .where(eq(payOrders.id, order.payOrderId)),
      log("status", order.status, status),
      log("payment_status", order.paymentStatus, paymentStatus),
      // Logged only when this cancel closed the pay order (its last open order).
      db.insert(orderStatusLog).select(
        db
          .select({
            id: sql`${newId("statusLog", now)}`.as("id"),
            entityType: sql`'pay_order'`.as("entity_type"),
            entityId: payOrders.id,
            field: sql`'payment_status'`.as("field"),
            // The order's payment status mirrors its pay order's until payment.
            fromStatus: sql`${order.paymentStatus}`.as("from_status"),
            toStatus: payOrders.paymentStatus,
            event: sql`'close'`.as("event"),
            actor: sql`${actor}`.as("actor"),
            at: sql`${now}`.as("at"),
          })
          .from(payOrders)
          .where(
            and(
              eq(payOrders.id, order.payOrderId),
              eq(payOrders.lastOpId, opId),
              eq(payOrders.paymentStatus, "CLOSED"),
            ),
          ),
      ),
      outboxInsert(db, cancelled),
    ]);
  } catch (err) {
    if (!isAssertionFailure(err)) throw err; // 409 order_slot_moving among others
    // Someone else changed the order first (a racing cancel, the payment timeout, a payment):
    // answer from its state now.
    const current = await db.query.orders.findFirst({ where: eq(orders.id, order.id) });
    next("order", current?.status ?? order.status, "cancel");
    throw new AppError("version_conflict", { detail: "The order changed meanwhile; retry" });
  }
  // The cancel is committed; what follows is best effort. A release that fails here is done by
  // the `order.cancelled` consumer, and an event that cannot be sent waits in the outbox.
  const logger = deps.log ?? createLogger();
  await releaseOrderStock(deps, order.id, input.reason).catch((err: unknown) =>
    logger.warn("cancelled order's stock not released; the order.cancelled consumer releases it", {
      orderId: order.id,
      ...errorFields(err),
    }),
  );
  await returnCancelledOrderPromotions(deps, order.id).catch((err: unknown) =>
    logger.warn("cancelled order's vouchers and coins not returned; the order.cancelled consumer returns them", {
      orderId: order.id,
      ...errorFields(err),
    }),
  );
  await sendOutbox(db, deps.producers, [cancelled], now).catch((err: unknown) =>
    logger.warn("order.cancelled not sent; the events cron sends it from the outbox", {
      orderId: order.id,
      eventId: cancelled.id,
      ...errorFields(err),
    }),
  );
  return getOrder(db, { all: true }, order.id);
}

/** Releases the holds of a cancelled order's items (idempotent in the SKU objects). */
export async function releaseOrderStock(deps: OrderOpsDeps, orderId: string, reason: string): Promise<void> {
  const { db } = await deps.orders.homeOfOrder(orderId);
  const order = await db.query.orders.findFirst({ where: eq(orders.id, orderId), columns: { status: true } });
  if (order?.status !== "CANCELLED") return;
  const items = await db.select().from(orderItems).where(eq(orderItems.orderId, orderId));
  await releaseStockAll(deps.inventory, items, {
    actor: actorText(orderActor(orderId)),
    at: deps.clock.now(),
    reason: `order cancelled: ${reason}`,
  });
}

/** The payment deadline passed: cancel the pay order's orders that are still unpaid. */
export async function expireUnpaid(deps: OrderOpsDeps, payOrderId: string): Promise<number> {
  const { db } = await deps.orders.homeOfOrder(payOrderId);
  const pay = await db.query.payOrders.findFirst({ where: eq(payOrders.id, payOrderId) });
  if (!pay) return 0;
  if (deps.clock.now() < pay.payBy) {
    // Delivered early (a cron drain, Queues' 12-hour delay cap): try again later.
    throw new AppError("unavailable", { detail: "The payment deadline has not passed yet", retryable: true });
  }
  const open = await db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.payOrderId, payOrderId), eq(orders.status, "CREATED")));
  let cancelled = 0;
  for (const { id } of open) {
    try {
      await cancelOrder(deps, { orderId: id, actor: SYSTEM_ACTOR, reason: "payment_timeout" });
      cancelled += 1;
    } catch (err) {
      // Paid or cancelled in the meantime: nothing to do for this one.
      if (!(err instanceof AppError && ["invalid_transition", "version_conflict"].includes(err.code))) throw err;
    }
  }
  return cancelled;
}

/**
 * Cron backstop for lost timeout messages: unpaid pay orders past their deadline by a minute,
 * including those whose payment is still pending on the provider's page (it is cancelled there; a
 * success that lands anyway is refunded as paid_after_cancel).
 */
export async function expireOverdue(deps: OrderOpsDeps, limit = 50): Promise<number> {
  const now = deps.clock.now();
  let cancelled = 0;
  for (const { db } of deps.orders.all()) {
    const overdue = await db
      .select({ id: payOrders.id })
      .from(payOrders)
      .where(and(inArray(payOrders.paymentStatus, ["UNPAID", "PENDING", "FAILED"]), lt(payOrders.payBy, now - 60_000)))
      .limit(limit);
    for (const { id } of overdue) cancelled += await expireUnpaid(deps, id);
  }
  return cancelled;
}
