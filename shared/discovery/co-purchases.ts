/**
 * "Bought together" counts, kept by the fulfillment-events consumer on `order.paid` rather than
 * computed per request: for each paid order, every ordered pair of distinct products in it gets +1
 * in co_purchases (both directions, so a product's partners are one index range read ordered by
 * count). The increments and the order's marker row commit in one batch, each increment guarded by
 * the marker's absence, so a redelivered or replayed order.paid adds nothing.
 * Cost: k(k-1) upserts per paid order of k distinct products (capped at MAX_PRODUCTS_PER_ORDER);
 * reading is one indexed range scan of the product's partners.
 */
import { and, desc, eq, notExists, sql } from "drizzle-orm";
import { coPurchaseOrders, coPurchases } from "../../db/schema";
import type { OrderStore } from "../orders/order-store";
import { getOrder } from "../orders/orders";
import { type Db, runBatch } from "../platform/db";

/** Orders with more distinct products count only their first ones (k² upserts per order). */
export const MAX_PRODUCTS_PER_ORDER = 12;

/** Counts a paid order's product pairs once; answers how many pairs it added (0 on a redelivery). */
export async function countPaidOrder(db: Db, orders: OrderStore, orderId: string, now: number): Promise<number> {
  const seen = await db.query.coPurchaseOrders.findFirst({ where: eq(coPurchaseOrders.orderId, orderId) });
  if (seen) return 0;
  // The order's items from its shard; the counts (and the once-per-order mark) in the commerce DB.
  const order = await getOrder((await orders.homeOfOrder(orderId)).db, { all: true }, orderId);
  const productIds = [...new Set(order.items.map((i) => i.productId))].slice(0, MAX_PRODUCTS_PER_ORDER);
  const notCounted = notExists(
    db.select({ one: sql`1` }).from(coPurchaseOrders).where(eq(coPurchaseOrders.orderId, orderId)),
  );
  const pairs = productIds.flatMap((a) => productIds.filter((b) => b !== a).map((b) => [a, b] as const));
  await runBatch(db, [
    ...pairs.map(([a, b]) =>
      db
        .insert(coPurchases)
        .select(
          db
            .select({
              productId: sql<string>`${a}`.as("product_id"),
              otherProductId: sql<string>`${b}`.as("other_product_id"),
              orders: sql<number>`1`.as("orders"),
              updatedAt: sql<number>`${now}`.as("updated_at"),
            })
            .from(sql`(SELECT 1)`)
            .where(notCounted),
        )
        .onConflictDoUpdate({
          target: [coPurchases.productId, coPurchases.otherProductId],
          set: { orders: sql`${coPurchases.orders} + 1`, updatedAt: now },
        }),
    ),
    db.insert(coPurchaseOrders).values({ orderId, countedAt: now }).onConflictDoNothing(),
  ]);
  return pairs.length;
}

/** The products most often paid for together with `productId`, most often first. */
export async function boughtTogetherIds(db: Db, productId: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: coPurchases.otherProductId })
    .from(coPurchases)
    .where(and(eq(coPurchases.productId, productId)))
    .orderBy(desc(coPurchases.orders), coPurchases.otherProductId)
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * `boughtTogetherIds` of several products in one statement: each product's top `perProduct`
 * partners (a window over its index range), with the partner's rank (0 first) per product.
 */
export async function boughtTogetherOf(db: Db, productIds: string[], perProduct: number) {
  if (productIds.length === 0) return [];
  return db.all<{ product_id: string; other_product_id: string; rank: number }>(sql`
    SELECT product_id, other_product_id, rank FROM (
      SELECT product_id, other_product_id,
             row_number() OVER (PARTITION BY product_id ORDER BY orders DESC, other_product_id) - 1 AS rank
        FROM co_purchases WHERE product_id IN (${sql.join(
          productIds.map((id) => sql`${id}`),
          sql`, `,
        )})
    ) WHERE rank < ${perProduct}`);
}
