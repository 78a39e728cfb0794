/**
 * "For you" (商品的个性化定制): products picked from the shopper's own signals.
 *
 * Seeds, each weighted by how strong an intent it shows and by recency within its kind:
 * products in the cart (3), bought in the newest orders (2), viewed lately (1, plus 0.25 per
 * repeat view up to 4). A seed's weight is w / (1 + its position among its kind), so the newest
 * count most. Candidates: each seed's bought-together partners (co-purchase counts kept by the
 * order.paid consumer), scored w_seed / (1 + partner rank) and summed over seeds, so a product
 * that several seeds point to rises; if that comes up short, the two strongest seeds' similar
 * products at half weight. Products already bought or in the cart are never picked.
 *
 * Cost, whatever the history's length: the three seed reads (views by the (user, last view)
 * index, the cart, the newest orders) run at once, then one statement for every seed's partners
 * (a window per seed over the co-purchase index), at most two similar-product reads, and one read
 * of the picks' rail items: 4–7 D1 queries, no per-request model.
 */

import { cartProductIds } from "../cart/cart";
import { type RailItem, railByIds, similarProducts } from "../catalog/rails";
import type { OrderStore } from "../orders/order-store";
import { listOrders } from "../orders/orders";
import type { Db } from "../platform/db";
import { boughtTogetherOf } from "./co-purchases";
import { recentViews } from "./product-views";

const SEEDS_PER_KIND = 5;
const WEIGHTS = { cart: 3, purchase: 2, view: 1 } as const;

/** The shopper's purchased products, newest order first (distinct), from their orders' shard. */
async function purchasedProducts(orders: OrderStore, userId: string, limit: number): Promise<string[]> {
  const { db } = await orders.homeOfUser(userId);
  const recent = await listOrders(db, { userId }, { limit: 10 });
  return [...new Set(recent.items.flatMap((o) => o.items.map((i) => i.productId)))].slice(0, limit);
}

/** The shopper's seeds with their weights, strongest first, and the products never to pick. */
export async function forYouSeeds(db: Db, orders: OrderStore, userId: string) {
  const [cart, bought, viewed] = await Promise.all([
    cartProductIds(db, userId, SEEDS_PER_KIND),
    purchasedProducts(orders, userId, SEEDS_PER_KIND),
    recentViews(db, userId, SEEDS_PER_KIND),
  ]);
  const weights = new Map<string, number>();
  const add = (productId: string, weight: number) => {
    weights.set(productId, (weights.get(productId) ?? 0) + weight);
  };
  for (const [i, id] of cart.entries()) add(id, WEIGHTS.cart / (1 + i));
  for (const [i, id] of bought.entries()) add(id, WEIGHTS.purchase / (1 + i));
  for (const [i, v] of viewed.entries()) add(v.productId, (WEIGHTS.view + 0.25 * Math.min(v.views - 1, 4)) / (1 + i));
  const seeds = [...weights].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { seeds, exclude: new Set([...cart, ...bought]) };
}

/** Up to `limit` products for the shopper, on shelf, best first (fewer, or none, without history). */
export async function forYou(
  db: Db,
  orders: OrderStore,
  input: { userId: string; limit: number; exclude?: string[]; shopId?: string },
): Promise<RailItem[]> {
  const { seeds, exclude } = await forYouSeeds(db, orders, input.userId);
  for (const id of input.exclude ?? []) exclude.add(id);
  if (seeds.length === 0) return [];
  const weightOf = new Map(seeds);
  const scores = new Map<string, number>();
  const score = (id: string, s: number) => {
    if (!exclude.has(id)) scores.set(id, (scores.get(id) ?? 0) + s);
  };
  for (const row of await boughtTogetherOf(
    db,
    seeds.map(([id]) => id),
    input.limit,
  )) {
    score(row.other_product_id, (weightOf.get(row.product_id) ?? 0) / (1 + row.rank));
  }
  const ranked = () => [...scores].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([id]) => id);
  // Twice the limit leaves room for candidates gone off shelf; on a shop's page the candidates are
  // platform-wide and most may be other shops', so all of them go to the shop filter (railByIds
  // takes at most 90), or the shop's rail would come up short while its products were ranked.
  const candidates = input.shopId ? Number.POSITIVE_INFINITY : input.limit * 2;
  let items = await railByIds(db, ranked().slice(0, candidates), input.shopId);
  if (items.length < input.limit) {
    for (const [seed, weight] of seeds.slice(0, 2)) {
      const similar = await similarProducts(db, seed, input.limit);
      for (const [rank, p] of similar.entries()) score(p.productId, weight / 2 / (1 + rank));
    }
    items = await railByIds(db, ranked().slice(0, candidates), input.shopId);
  }
  return items.slice(0, input.limit);
}
