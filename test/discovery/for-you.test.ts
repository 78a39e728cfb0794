import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { rebuildSearchDocument } from "../../shared/catalog/indexer";
import { dbOf } from "../../shared/platform/db";
import { DEMO, tokenFor } from "../helpers/callers";
import type { Seller } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { newShopper, placeOrder, type Shopper, skuOnSale } from "../helpers/orders";
import { eventually, pay, settle } from "../helpers/payments";
import { act } from "../helpers/sandbox";

type Product = { seller: Seller; skuId: string; productId: string };
type Rail = { items: { productId: string; reason: string }[] };

async function indexed(seller?: Seller): Promise<Product> {
  const p = await skuOnSale(seller, { stock: 50 });
  await rebuildSearchDocument(dbOf(env.DB), p.productId, Date.now());
  return p;
}

/** Someone else pays one order holding all of `products`: they become each other's bought-together. */
async function boughtTogether(...products: Product[]) {
  const buyer = await newShopper();
  const placed = await placeOrder(buyer, {
    items: products.map((p) => ({ skuId: p.skuId, quantity: 1 })),
    addressId: buyer.addressId,
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const started = await pay(buyer, placed.body.payOrderId);
  await act(started.body.paymentId, "succeed");
  await settle();
  const [first, ...rest] = products as [Product, ...Product[]];
  await eventually(
    () => call("GET", `/v1/products/${first.productId}/recommendations?kind=bought_together`).then(json<Rail>),
    (r) => rest.every((p) => r.body.items.some((i) => i.productId === p.productId && i.reason === "bought_together")),
    "co-purchases counted",
  );
}

const forYou = (anchor: string, shopper?: Shopper) =>
  call("GET", `/v1/products/${anchor}/recommendations?kind=for_you&limit=5`, { token: shopper?.token }).then(
    json<Rail>,
  );

async function viewed(shopper: Shopper, productId: string) {
  const res = await call("GET", `/v1/products/${productId}`, { token: shopper.token });
  expect(res.status).toBe(200);
  await eventually(
    () =>
      env.DB.prepare("SELECT views FROM product_views WHERE user_id = ? AND product_id = ?")
        .bind(shopper.id, productId)
        .first<{ views: number }>(),
    (row) => row !== null,
    "view recorded",
  );
}

describe("for you", () => {
  it("picks from the shopper's views and cart, never what they hold or bought, and falls back to best sellers", async () => {
    const seller = (await indexed()).seller;
    const [viewedA, partnerB, cartC, partnerD, anchor] = await Promise.all(
      Array.from({ length: 5 }, () => indexed(seller)),
    );
    if (!viewedA || !partnerB || !cartC || !partnerD || !anchor) throw new Error("products");
    await boughtTogether(viewedA, partnerB);
    await boughtTogether(cartC, partnerD);

    const shopper = await newShopper();
    const before = await forYou(anchor.productId, shopper);
    expect(before.status).toBe(200);
    expect(
      before.body.items.every((i) => i.reason === "best_seller"),
      JSON.stringify(before.body),
    ).toBe(true);

    await viewed(shopper, viewedA.productId);
    const afterView = await forYou(anchor.productId, shopper);
    expect(afterView.body.items[0], JSON.stringify(afterView.body)).toMatchObject({
      productId: partnerB.productId,
      reason: "for_you",
    });

    // The cart weighs more than a view: its partner comes first, and the cart's own product never shows.
    const put = await call("PUT", `/v1/cart/items/${cartC.skuId}`, { token: shopper.token, body: { quantity: 1 } });
    expect(put.status).toBe(200);
    const afterCart = await forYou(anchor.productId, shopper);
    const picks = afterCart.body.items.filter((i) => i.reason === "for_you").map((i) => i.productId);
    expect(picks[0], JSON.stringify(afterCart.body)).toBe(partnerD.productId);
    expect(picks).toContain(partnerB.productId);
    expect(afterCart.body.items.map((i) => i.productId)).not.toContain(cartC.productId);
    expect(afterCart.body.items.map((i) => i.productId)).not.toContain(anchor.productId);

    // A guest has no history: best sellers only.
    expect((await forYou(anchor.productId)).body.items.every((i) => i.reason === "best_seller")).toBe(true);
  }, 120_000);

  it("counts repeated views of a product once a minute per isolate, and none for guests or unknown products", async () => {
    const product = await indexed();
    const shopper = await newShopper();
    await Promise.all(
      Array.from({ length: 5 }, () => call("GET", `/v1/products/${product.productId}`, { token: shopper.token })),
    );
    await viewed(shopper, product.productId);
    await call("GET", "/v1/products/spu_00000000000000000000000000", { token: shopper.token });
    await call("GET", `/v1/products/${product.productId}`);
    await settle();
    const rows = await env.DB.prepare("SELECT product_id, views FROM product_views WHERE user_id = ?")
      .bind(shopper.id)
      .all<{ product_id: string; views: number }>();
    expect(rows.results).toEqual([{ product_id: product.productId, views: 1 }]);
  });

  it("fills a home for_you module with best sellers for guests and with the shopper's picks for them", async () => {
    const seller = (await indexed()).seller;
    const [seen, partner] = await Promise.all([indexed(seller), indexed(seller)]);
    if (!seen || !partner) throw new Error("products");
    await boughtTogether(seen, partner);
    const operator = await tokenFor(DEMO.operator);
    const put = await call("PUT", "/admin/v1/home", {
      token: operator,
      body: { modules: [{ kind: "for_you", title: "猜你喜欢", limit: 4 }] },
    });
    expect(put.status).toBe(200);
    expect((await call("POST", "/admin/v1/home/publish", { token: operator })).status).toBe(200);

    type Home = { modules: { kind: string; items: { productId: string }[] }[] };
    const home = async (token?: string) => {
      const res = await call("GET", "/v1/home", { token });
      const body = (await res.json()) as Home;
      return { cacheControl: res.headers.get("cache-control"), items: body.modules[0]?.items.map((i) => i.productId) };
    };
    const guest = await home();
    expect(guest.items?.length).toBeGreaterThan(0);
    expect(guest.cacheControl).toContain("public");

    const shopper = await newShopper();
    await viewed(shopper, seen.productId);
    const mine = await home(shopper.token);
    expect(mine.items?.[0]).toBe(partner.productId);
    expect(mine.items?.length).toBe(4);
    expect(mine.cacheControl).toBe("private, no-store");
    // The personal copy never reaches the shared cache.
    expect((await home()).items).toEqual(guest.items);
  }, 120_000);
});
