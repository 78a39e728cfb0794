/**
 * Reading refunds: one refund with its items, an order's refunds, and the admin's list by status
 * (a seller's limited to its shop's orders). A refund someone may not see is a 404, never a 403.
 */

import { z } from "@hono/zod-openapi";
import { and, desc, eq, inArray, type SQL } from "drizzle-orm";
import { orderItems, orders, refundItems, refunds } from "../../db/schema";
import { inSlots, type OrderHome, type OrderStore } from "../orders/order-store";
import type { Caller } from "../platform/auth";
import { createdCursorSchema, decodeCursor, olderThan, pageOf } from "../platform/cursor";
import { readChunks } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { moneySchema } from "../platform/money";
import type { RefundItemRow, RefundRow } from "./refund-writes";

/** `:refundId` in paths. */
export const refundIdParam = z.object({
  refundId: z
    .string()
    .regex(/^rfd_[0-9A-HJKMNP-TV-Z]{26}$/, "is not a refund id")
    .openapi({ example: "rfd_01M8T8AG0PE04B84VDZ3D87QPK" }),
});

export const REFUND_STATUSES = [
  "REQUESTED",
  "APPROVED",
  "AWAITING_RETURN",
  "RETURN_SHIPPED",
  "PROCESSING",
  "REFUNDED",
  "REJECTED",
  "FAILED",
] as const;

export const refundSchema = z.object({
  refundId: z.string(),
  orderId: z.string(),
  status: z.enum(REFUND_STATUSES),
  amount: moneySchema.describe("What goes back: the items' exact allocation, plus shipping when it empties the order"),
  shippingAmount: moneySchema.describe(
    "The part of amount that is shipping (non-zero only on the refund emptying the order)",
  ),
  returnGoods: z.boolean(),
  reason: z.string(),
  note: z.string().nullable(),
  coins: z
    .number()
    .int()
    .describe(
      "Coins it gives back: its units' share of the coins the order spent (same allocation as amount), credited when it is REFUNDED",
    ),
  items: z.array(
    z.object({
      orderItemId: z.string(),
      quantity: z.number().int(),
      amount: moneySchema,
      coins: z.number().int().describe("These units' share of the coins the order spent"),
    }),
  ),
  returnShipment: z.object({ carrier: z.string(), trackingNumber: z.string() }).nullable(),
  receivedCondition: z.enum(["sellable", "damaged"]).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RefundView = z.infer<typeof refundSchema>;

/** The JSON view of a refund and its items. */
export function refundView(row: RefundRow, items: readonly RefundItemRow[]): RefundView {
  const money = (amount: number) => ({ amount, currency: row.currency }) as z.infer<typeof moneySchema>;
  return {
    refundId: row.id,
    orderId: row.orderId,
    status: row.status as RefundView["status"],
    amount: money(row.amount),
    shippingAmount: money(row.shippingAmount),
    returnGoods: row.returnGoods,
    reason: row.reason,
    note: row.note,
    coins: items.reduce((sum, i) => sum + i.coins, 0),
    items: items.map((i) => ({
      orderItemId: i.orderItemId,
      quantity: i.quantity,
      amount: money(i.amount),
      coins: i.coins,
    })),
    returnShipment:
      row.returnCarrier && row.returnTrackingNumber
        ? { carrier: row.returnCarrier, trackingNumber: row.returnTrackingNumber }
        : null,
    receivedCondition: (row.receivedCondition as RefundView["receivedCondition"]) ?? null,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/** The item lines of these refunds, by refund id. */
export async function itemsOfRefunds(db: Db, refundIds: readonly string[]): Promise<Map<string, RefundItemRow[]>> {
  const byRefund = new Map<string, RefundItemRow[]>();
  if (refundIds.length === 0) return byRefund;
  const rows = await readChunks(refundIds, (chunk) =>
    db.select().from(refundItems).where(inArray(refundItems.refundId, chunk)).orderBy(refundItems.orderItemId),
  );
  for (const row of rows) byRefund.set(row.refundId, [...(byRefund.get(row.refundId) ?? []), row]);
  return byRefund;
}

async function viewsOf(db: Db, rows: readonly RefundRow[]): Promise<RefundView[]> {
  const items = await itemsOfRefunds(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => refundView(r, items.get(r.id) ?? []));
}

/** Who may see a refund: its shopper, its shop's seller, or anyone (operators, the platform). */
export type RefundScope = { userId: string } | { shopId: string } | { all: true };

/**
 * What a seller or operator may see: operators every refund, sellers their shop's (a seller
 * without a shop sees none: every refund is a 404 to it).
 */
export function staffRefundScope(caller: Caller): RefundScope {
  if (caller.roles.includes("operator")) return { all: true };
  if (!caller.shopId) throw new AppError("not_found", { detail: "No refunds for a caller without a shop" });
  return { shopId: caller.shopId };
}

function scopeCondition(scope: RefundScope): SQL | undefined {
  if ("userId" in scope) return eq(orders.userId, scope.userId);
  if ("shopId" in scope) return eq(orders.shopId, scope.shopId);
  return undefined;
}

/** A refund with its order's shop and shopper, if `scope` may see it (else 404 `not_found`). */
export async function loadRefund(
  db: Db,
  refundId: string,
  scope: RefundScope,
): Promise<{ refund: RefundRow; items: RefundItemRow[]; shopId: string; userId: string }> {
  const [rows, items] = await db.batch([
    db
      .select({ refund: refunds, shopId: orders.shopId, userId: orders.userId })
      .from(refunds)
      .innerJoin(orders, eq(orders.id, refunds.orderId))
      .where(and(eq(refunds.id, refundId), scopeCondition(scope))),
    db.select().from(refundItems).where(eq(refundItems.refundId, refundId)).orderBy(refundItems.orderItemId),
  ]);
  const found = rows[0];
  if (!found) throw new AppError("not_found", { detail: `No refund ${refundId}` });
  return { ...found, items };
}

/**
 * Refund `refundId` (if `scope` may see it, else 404) and its order's shard. A refund id does not
 * name a slot: a shopper's refunds are on the shopper's shard; a seller's or operator's refund is
 * looked for on every shard, each answering only for the slots the slot table routes to it (a
 * moved slot's copy awaiting its purge never answers), then read at its order's home.
 */
export async function locateRefund(
  store: OrderStore,
  refundId: string,
  scope: RefundScope,
): Promise<Awaited<ReturnType<typeof loadRefund>> & { home: OrderHome }> {
  if ("userId" in scope) {
    const home = await store.homeOfUser(scope.userId);
    return { ...(await loadRefund(home.db, refundId, scope)), home };
  }
  const found = await Promise.all(
    (await store.routed()).map(async ({ shard, slots }) =>
      slots !== "all" && slots.length === 0
        ? []
        : shard.db
            .select({ orderId: refunds.orderId })
            .from(refunds)
            .where(and(eq(refunds.id, refundId), inSlots(refunds.orderId, slots))),
    ),
  );
  const orderId = found.flat()[0]?.orderId;
  if (!orderId) throw new AppError("not_found", { detail: `No refund ${refundId}` });
  const home = await store.homeOfOrder(orderId);
  return { ...(await loadRefund(home.db, refundId, scope)), home };
}

/** The refunds of these orders (oldest first), as views by order id: what order views show. */
export async function refundsOfOrders(db: Db, orderIds: readonly string[]): Promise<Map<string, RefundView[]>> {
  const byOrder = new Map<string, RefundView[]>();
  if (orderIds.length === 0) return byOrder;
  const rows = (
    await readChunks(orderIds, (chunk) => db.select().from(refunds).where(inArray(refunds.orderId, chunk)))
  ).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  for (const view of await viewsOf(db, rows)) byOrder.set(view.orderId, [...(byOrder.get(view.orderId) ?? []), view]);
  return byOrder;
}

export const refundListQuery = z.object({
  status: z.enum(REFUND_STATUSES).optional(),
  orderId: z.string().optional().describe("Only this order's refunds"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().optional(),
});
export type RefundListQuery = z.infer<typeof refundListQuery>;

/**
 * Refunds newest first, filtered by status (and order), limited to what `scope` may see: from
 * every order shard, each answering only for its routed slots, merged by (createdAt, id) with the
 * keyset cursor (as the admin order list, shared/orders/orders.ts listOrdersAcrossShards). An
 * `orderId` filter reads that order's shard alone.
 */
export async function listRefunds(store: OrderStore, scope: RefundScope, query: RefundListQuery) {
  const targets = query.orderId
    ? await (async () => {
        const home = await store.homeOfNumber(query.orderId ?? "");
        return home ? [{ db: home.db, slots: [home.slot] as number[] | "all" }] : [];
      })()
    : (await store.routed())
        .filter((r) => r.slots === "all" || r.slots.length > 0)
        .map((r) => ({ db: r.shard.db, slots: r.slots }));
  const perShard = await Promise.all(
    targets.map(async ({ db, slots }) => {
      const rows = await db
        .select({ refund: refunds })
        .from(refunds)
        .innerJoin(orders, eq(orders.id, refunds.orderId))
        .where(
          and(
            scopeCondition(scope),
            inSlots(refunds.orderId, slots),
            query.status ? eq(refunds.status, query.status) : undefined,
            query.orderId ? eq(refunds.orderId, query.orderId) : undefined,
            query.cursor
              ? olderThan(refunds.createdAt, refunds.id, decodeCursor(createdCursorSchema, query.cursor))
              : undefined,
          ),
        )
        .orderBy(desc(refunds.createdAt), desc(refunds.id))
        .limit(query.limit + 1);
      return rows.map((r) => ({ row: r.refund, db }));
    }),
  );
  const merged = perShard
    .flat()
    .sort((a, b) => b.row.createdAt - a.row.createdAt || (a.row.id < b.row.id ? 1 : a.row.id > b.row.id ? -1 : 0));
  const page = pageOf(
    merged.slice(0, query.limit + 1).map((m) => ({ ...m, createdAt: m.row.createdAt, id: m.row.id })),
    query.limit,
    (m) => m,
  );
  const views = new Map<string, RefundView>();
  await Promise.all(
    targets.map(async ({ db }) => {
      const rows = page.items.filter((m) => m.db === db).map((m) => m.row);
      for (const view of await viewsOf(db, rows)) views.set(view.refundId, view);
    }),
  );
  return { items: page.items.map((m) => views.get(m.row.id) as RefundView), nextCursor: page.nextCursor };
}

/** The order a refund is asked for, with its items, if `scope` may see it (else 404). */
export async function loadRefundableOrder(db: Db, orderId: string, scope: RefundScope) {
  const [found, items] = await db.batch([
    db
      .select()
      .from(orders)
      .where(and(eq(orders.id, orderId), scopeCondition(scope))),
    db.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(orderItems.id),
  ]);
  const order = found[0];
  if (!order) throw new AppError("not_found", { detail: `No order ${orderId}` });
  return { order, items };
}

/** Every refund of order `orderId` (on its shard), oldest first, if `scope` may see the order (else 404). */
export async function listOrderRefunds(store: OrderStore, orderId: string, scope: RefundScope) {
  const { db } = await store.homeOfOrder(orderId);
  await loadRefundableOrder(db, orderId, scope);
  return { items: (await refundsOfOrders(db, [orderId])).get(orderId) ?? [], nextCursor: null };
}
