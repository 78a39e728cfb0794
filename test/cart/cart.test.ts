import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { newSeller, postProduct, putOnShelf, type Seller, tshirt } from "../helpers/catalog";
import { createUser, freshIp } from "../helpers/factories";
import { call, json } from "../helpers/http";
import { skusOnSale } from "../helpers/many-skus";
import { loginAs } from "../helpers/sessions";

type Cart = {
  items: {
    skuId: string;
    quantity: number;
    unitPrice: { amount: number } | null;
    available: number;
    problems: string[];
  }[];
  subtotal: { amount: number; currency: string };
};

let seller: Seller;
let productId: string;
let skuA: string; // stock 10, 79.00
let skuB: string; // stock 5, 89.50

beforeAll(async () => {
  seller = await newSeller();
  const created = await postProduct(seller, tshirt());
  productId = created.body.productId;
  [skuA = "", skuB = ""] = created.body.skuIds;
  await putOnShelf(seller, productId);
});

async function guestToken(): Promise<string> {
  const res = await call("GET", "/v1/cart");
  const token = res.headers.get("x-cart-token");
  expect(token).toMatch(/^ct_[A-Za-z0-9_-]{43}$/);
  return token ?? "";
}

const put = (skuId: string, quantity: number, headers: Record<string, string>) =>
  call("PUT", `/v1/cart/items/${skuId}`, { body: { quantity }, headers }).then(json<Cart>);
const get = (headers: Record<string, string>) => call("GET", "/v1/cart", { headers }).then(json<Cart>);

describe("the cart", () => {
  it("gives a guest a token and keeps its lines with current prices and availability", async () => {
    const token = await guestToken();
    const headers = { "x-cart-token": token };
    // An empty cart's subtotal is zero money, not null (issue #19: one shape per concept).
    expect((await get(headers)).body).toEqual({ items: [], subtotal: { amount: 0, currency: "CNY" } });
    await put(skuA, 2, headers);
    const cart = await put(skuB, 1, headers);
    expect(cart.status, JSON.stringify(cart.body)).toBe(200);
    expect(cart.body.items.map((i) => [i.skuId, i.quantity, i.unitPrice?.amount, i.available, i.problems])).toEqual([
      [skuA, 2, 7900, 10, []],
      [skuB, 1, 8950, 5, []],
    ]);
    expect(cart.body.subtotal).toEqual({ amount: 2 * 7900 + 8950, currency: "CNY" });
    expect((await put(skuB, 0, headers)).body.items.map((i) => i.skuId)).toEqual([skuA]);
    // Another guest sees nothing of it.
    expect((await get({ "x-cart-token": await guestToken() })).body.items).toEqual([]);
  });

  it("flags price changes, quantities above stock and products off shelf", async () => {
    const headers = { "x-cart-token": await guestToken() };
    await put(skuA, 12, headers);
    await put(skuB, 1, headers);
    await call("PUT", `/admin/v1/skus/${skuB}/prices`, {
      token: seller.token,
      body: { prices: [{ type: "standard", price: { amount: 9900, currency: "CNY" } }] },
    });
    const cart = (await get(headers)).body;
    expect(cart.items.find((i) => i.skuId === skuA)?.problems).toEqual(["insufficient_stock"]);
    expect(cart.items.find((i) => i.skuId === skuB)).toMatchObject({
      unitPrice: { amount: 9900 },
      problems: ["price_changed"],
    });
    await call("POST", `/admin/v1/products/${productId}/off-shelf`, { token: seller.token, body: {} });
    const off = (await get(headers)).body;
    expect(off.items.every((i) => i.problems.includes("off_shelf"))).toBe(true);
    // Nothing can be bought: zero in the lines' currency, not null.
    expect(off.subtotal).toEqual({ amount: 0, currency: "CNY" });
    await call("POST", `/admin/v1/products/${productId}/on-shelf`, { token: seller.token, body: {} });
  });

  it("merges the guest cart into the account cart at login, summing and capping by stock, once", async () => {
    const user = await createUser();
    const own = await loginAs(user);
    await call("PUT", `/v1/cart/items/${skuA}`, { token: own.accessToken, body: { quantity: 8 } });
    const token = await guestToken();
    await put(skuA, 5, { "x-cart-token": token });
    await put(skuB, 2, { "x-cart-token": token });
    // Two logins racing with the same guest token merge it once.
    await Promise.all(
      [1, 2].map(() =>
        call("POST", "/v1/auth/login", {
          body: { username: user.username, password: user.password },
          headers: { "x-cart-token": token, "cf-connecting-ip": freshIp() },
        }),
      ),
    );
    const merged = (await json<Cart>(await call("GET", "/v1/cart", { token: own.accessToken }))).body;
    const stockA = merged.items.find((i) => i.skuId === skuA)?.available ?? 0;
    expect(merged.items.map((i) => [i.skuId, i.quantity])).toEqual([
      [skuA, Math.min(13, stockA)],
      [skuB, 2],
    ]);
    expect((await get({ "x-cart-token": token })).body.items).toEqual([]);
  });

  // Regression (issue #11, defect 5): the merge ignored the 100-line cap, and the merged cart's
  // price and stock reads then bound more than D1's 100 parameters: GET /v1/cart answered 500.
  it("keeps a merged cart within 100 lines: own lines stay, the guest's newest new lines fill the rest", async () => {
    const { skuIds } = await skusOnSale(105, { stock: 50 });
    const ownSkus = skuIds.slice(0, 90);
    const guestNew = skuIds.slice(90); // 15 SKUs the account cart does not hold
    const user = await createUser();
    const own = await loginAs(user);
    const first = await call("PUT", `/v1/cart/items/${ownSkus[0]}`, { token: own.accessToken, body: { quantity: 1 } });
    expect(first.status).toBe(200);
    // The other 89 lines straight into the account cart (90 PUTs would only make the test slow).
    const cart = await env.DB.prepare("select id from carts where user_id = ?").bind(user.id).first<{ id: string }>();
    await env.DB.batch(
      ownSkus
        .slice(1)
        .map((skuId, i) =>
          env.DB.prepare(
            "insert into cart_items (cart_id, sku_id, quantity, added_unit_price, currency, added_at, updated_at) values (?, ?, 1, 100, 'CNY', ?, ?)",
          ).bind(cart?.id, skuId, Date.now() + i, Date.now()),
        ),
    );
    const token = await guestToken();
    for (const skuId of [...ownSkus.slice(0, 5), ...guestNew]) await put(skuId, 2, { "x-cart-token": token });
    const login = await call("POST", "/v1/auth/login", {
      body: { username: user.username, password: user.password },
      headers: { "x-cart-token": token, "cf-connecting-ip": freshIp() },
    });
    expect(login.status).toBe(200);
    const merged = await json<Cart>(await call("GET", "/v1/cart", { token: own.accessToken }));
    expect(merged.status, JSON.stringify(merged.body).slice(0, 500)).toBe(200);
    expect(merged.body.items).toHaveLength(100);
    const quantities = new Map(merged.body.items.map((i) => [i.skuId, i.quantity]));
    for (const skuId of ownSkus) expect(quantities.has(skuId)).toBe(true);
    expect(ownSkus.slice(0, 6).map((s) => quantities.get(s))).toEqual([3, 3, 3, 3, 3, 1]);
    // The five guest lines added last made it; the five added first did not.
    expect(guestNew.filter((s) => quantities.has(s))).toEqual(guestNew.slice(5));
    // A full cart takes no new line.
    const refused = await json(
      await call("PUT", `/v1/cart/items/${guestNew[0]}`, { token: own.accessToken, body: { quantity: 1 } }),
    );
    expect(refused.status).toBe(422);
  }, 60_000);

  it("refuses unknown SKUs and malformed tokens, changing nothing", async () => {
    const headers = { "x-cart-token": await guestToken() };
    expect((await put("sku_unknown", 1, headers)).body).toMatchObject({ status: 404, code: "not_found" });
    expect((await put(skuA, 1000, headers)).status).toBe(400);
    expect((await get({ "x-cart-token": "guess" })).body).toMatchObject({
      status: 400,
      errors: [{ field: "header.X-Cart-Token" }],
    });
    expect((await get(headers)).body.items).toEqual([]);
  });
});
