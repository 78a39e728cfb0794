/**
 * Discovery and reviews with the slots split over two order shards: what they read of orders
 * (a paid order's items for "bought together", a shopper's recent orders for "for you", the
 * COMPLETED order a review is about) comes from the shard the order number names, while what they
 * write (co-purchase counts, reviews, ratings) stays in the commerce database.
 */
import { env } from "cloudflare:test";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rebuildSearchDocument } from "../../shared/catalog/indexer";
import { dbOf } from "../../shared/platform/db";
import type { Seller } from "../helpers/catalog";
import { awaitingShipment, carrierReports, settleCarrier, ship, trackingNumber } from "../helpers/fulfillment";
import { call, json } from "../helpers/http";
import { placeOrder, type Shopper, skuOnSale } from "../helpers/orders";
import { eventually, pay, settle } from "../helpers/payments";
import { act, calm } from "../helpers/sandbox";
import { shardsHolding, shopperOnShard, splitSlotsOverTwoShards } from "../helpers/shards";

beforeAll(splitSlotsOverTwoShards);
afterEach(calm);
afterAll(async () => {
  await settleCarrier();
  await settle();
});

type Product = { seller: Seller; skuId: string; productId: string };
type Rail = { items: { productId: string; reason: string }[] };

async function indexed(seller?: Seller): Promise<Product> {
  const p = await skuOnSale(seller, { stock: 50 });
  await rebuildSearchDocument(dbOf(env.DB), p.productId, Date.now());
  return p;
}

/** `buyer` pays one order holding all of `products`; answers its order id. */
async function paidTogether(buyer: Shopper, ...products: Product[]): Promise<string> {
  const placed = await placeOrder(buyer, {
    items: products.map((p) => ({ skuId: p.skuId, quantity: 1 })),
    addressId: buyer.addressId,
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const started = await pay(buyer, placed.body.payOrderId);
  await act(started.body.paymentId, "succeed");
  await settle();
  return placed.body.orders[0]?.orderId as string;
}

const rail = (productId: string, kind: string, shopper?: Shopper) =>
  call("GET", `/v1/products/${productId}/recommendations?kind=${kind}&limit=5`, { token: shopper?.token }).then(
    json<Rail>,
  );

describe("discovery and reviews over two order shards", () => {
  it("counts a shard-1 order's products as bought together and seeds the buyer's for-you picks from it", async () => {
    const seller = (await indexed()).seller;
    const [a, b, d, anchor] = await Promise.all(Array.from({ length: 4 }, () => indexed(seller)));
    if (!a || !b || !d || !anchor) throw new Error("products");
    const onShard1 = await shopperOnShard(1);
    const onShard0 = await shopperOnShard(0);
    const mine = await paidTogether(onShard1, a, b);
    const theirs = await paidTogether(onShard0, a, d);
    expect(await shardsHolding("orders", mine)).toEqual([1]);
    expect(await shardsHolding("orders", theirs)).toEqual([0]);

    // Both orders' pairs were counted, each read from its own shard.
    await eventually(
      () => rail(a.productId, "bought_together"),
      (r) =>
        [b, d].every((p) => r.body.items.some((i) => i.productId === p.productId && i.reason === "bought_together")),
      "co-purchases of both shards counted",
    );
    const counted = await env.DB.prepare("SELECT order_id FROM co_purchase_orders WHERE order_id IN (?, ?)")
      .bind(mine, theirs)
      .all<{ order_id: string }>();
    expect(counted.results.map((r) => r.order_id).sort()).toEqual([mine, theirs].sort());

    // The shard-1 buyer's purchases (a, b) are found on shard 1: a's other partner d is picked for
    // them, and what they bought never is. Read from the wrong shard they would have no history.
    const forYou = await rail(anchor.productId, "for_you", onShard1);
    expect(forYou.status).toBe(200);
    const picks = forYou.body.items.filter((i) => i.reason === "for_you").map((i) => i.productId);
    expect(picks, JSON.stringify(forYou.body)).toContain(d.productId);
    const shown = forYou.body.items.map((i) => i.productId);
    expect(shown).not.toContain(a.productId);
    expect(shown).not.toContain(b.productId);
  }, 120_000);

  it("takes a shard-1 shopper's review of their completed order and refuses a second one", async () => {
    const order = await awaitingShipment({ shopper: await shopperOnShard(1) });
    expect(await shardsHolding("orders", order.orderId)).toEqual([1]);
    const tn = trackingNumber();
    const shipped = await ship(order.seller.token, order.orderId, { carrier: "sf-express", trackingNumber: tn });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    await carrierReports("sf-express", tn, "delivered");
    await settleCarrier();
    const confirmed = await json<{ status: string }>(
      await call("POST", `/v1/orders/${order.orderId}/confirm-receipt`, { token: order.shopper.token }),
    );
    expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe("COMPLETED");

    const view = await json<{ items: { orderItemId: string; productId: string }[] }>(
      await call("GET", `/v1/orders/${order.orderId}`, { token: order.shopper.token }),
    );
    const item = view.body.items[0];
    if (!item) throw new Error("no item");
    const post = () =>
      call("POST", `/v1/orders/${order.orderId}/items/${item.orderItemId}/review`, {
        token: order.shopper.token,
        body: { stars: 4, text: "分片上的订单也能评价" },
        headers: { "idempotency-key": crypto.randomUUID() },
      }).then(json<{ reviewId?: string; code?: string }>);
    const first = await post();
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect((await post()).body).toMatchObject({ status: 409, code: "already_reviewed" });

    // The review and the rating are the commerce database's; the product shows them.
    expect(await shardsHolding("reviews", first.body.reviewId as string)).toEqual([0]);
    const reviews = await json<{ rating: { count: number } }>(
      await call("GET", `/v1/products/${item.productId}/reviews`),
    );
    expect(reviews.body.rating.count).toBe(1);
  }, 120_000);
});
