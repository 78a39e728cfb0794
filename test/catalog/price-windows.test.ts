// Issue #11 defect 8: search prices were frozen at index time, and nothing re-indexed a product
// when a promo window opened or closed, so it stayed listed, filtered and sorted at a promo
// price that had ended.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { rebuildSearchDocument } from "../../shared/catalog/indexer";
import { nextPriceBoundary } from "../../shared/catalog/pricing";
import { ManualClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { runHousekeeping } from "../../workers/events/worker";
import { newSeller, postProduct, putOnShelf, type Seller, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";

type Listing = {
  items: { productId: string; minPrice: { amount: number } | null; maxPrice: { amount: number } | null }[];
};

const search = async (query: string) => {
  const res = await json<Listing>(await call("GET", `/v1/products?${query}`));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
};

/** A fresh Latin token: products named with it are the only ones a `q=` search finds. */
const freshToken = () => `pw${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;

async function onShelf(seller: Seller, name: string, yuan: number) {
  const { body, status } = await postProduct(
    seller,
    tshirt({
      name,
      skus: [
        {
          skuName: "黑色 L",
          price: yuan,
          stock: 10,
          salesAttributes: [
            { attributeId: 201, value: "黑色" },
            { attributeId: 202, value: "L" },
          ],
        },
      ],
    }),
  );
  expect(status, JSON.stringify(body)).toBe(201);
  await putOnShelf(seller, body.productId);
  return { productId: body.productId, skuId: body.skuIds[0] as string };
}

async function putPrices(seller: Seller, skuId: string, prices: object[]) {
  const res = await json(
    await call("PUT", `/admin/v1/skus/${skuId}/prices`, { token: seller.token, body: { prices } }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const cny = (amount: number) => ({ amount, currency: "CNY" });

describe("search prices at price-window boundaries", () => {
  it("lists, filters and sorts by the standard price once a promo has expired (events cron)", async () => {
    const seller = await newSeller();
    const token = freshToken();
    const promoted = await onShelf(seller, `窗口 ${token}a`, 79);
    const plain = await onShelf(seller, `窗口 ${token}b`, 65);
    const expiresAt = Date.now() + 10 * 60_000;
    await putPrices(seller, promoted.skuId, [
      { type: "standard", price: cny(7900) },
      { type: "promo", price: cny(5900), expiresAt: new Date(expiresAt).toISOString() },
    ]);
    const db = dbOf(env.DB);
    for (const id of [promoted.productId, plain.productId]) await rebuildSearchDocument(db, id, Date.now());

    // During the promo: 59.00, below the plain product, inside a ≤ 60.00 filter.
    expect((await search(`q=${token}`)).find((i) => i.productId === promoted.productId)?.minPrice?.amount).toBe(5900);
    expect((await search(`q=${token}&maxPrice=6000`)).map((i) => i.productId)).toEqual([promoted.productId]);
    expect((await search(`q=${token}&sort=price_asc`)).map((i) => i.productId)).toEqual([
      promoted.productId,
      plain.productId,
    ]);

    // The promo ends; the cron runs just after, with no other change to the product.
    const result = await runHousekeeping(env, new ManualClock(expiresAt + 1));
    expect(result.failed).toEqual([]);
    expect(result.priceWindowsReindexed).toBeGreaterThanOrEqual(1);

    const listed = (await search(`q=${token}`)).find((i) => i.productId === promoted.productId);
    expect(listed).toMatchObject({ minPrice: { amount: 7900 }, maxPrice: { amount: 7900 } });
    expect((await search(`q=${token}&maxPrice=6000`)).map((i) => i.productId)).toEqual([]);
    expect((await search(`q=${token}&minPrice=7000`)).map((i) => i.productId)).toEqual([promoted.productId]);
    expect((await search(`q=${token}&sort=price_asc`)).map((i) => i.productId)).toEqual([
      plain.productId,
      promoted.productId,
    ]);
  });

  it("re-indexes at the boundary itself: a promo ending in two seconds is gone from search without the cron", async () => {
    const seller = await newSeller();
    const token = freshToken();
    const { productId, skuId } = await onShelf(seller, `窗口 ${token}`, 79);
    const expiresAt = Date.now() + 2_000;
    await putPrices(seller, skuId, [
      { type: "standard", price: cny(7900) },
      { type: "promo", price: cny(5900), expiresAt: new Date(expiresAt).toISOString() },
    ]);
    // The price change's own event indexes the promo; a delayed message re-indexes at its end.
    const priceOf = async () => (await search(`q=${token}`)).find((i) => i.productId === productId)?.minPrice?.amount;
    const seen: (number | undefined)[] = [];
    const deadline = Date.now() + 12_000;
    while (Date.now() < deadline) {
      const price = await priceOf();
      if (seen.at(-1) !== price) seen.push(price);
      if (price === 7900 && Date.now() > expiresAt) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).toContain(5900);
    expect(seen.at(-1)).toBe(7900);
  });

  it("knows the next instant a price row takes effect or expires", () => {
    const rows = [
      { effectiveAt: 100, expiresAt: null },
      { effectiveAt: 500, expiresAt: 900 },
      { effectiveAt: 200, expiresAt: 300 },
    ];
    expect(nextPriceBoundary(rows, 150)).toBe(200);
    expect(nextPriceBoundary(rows, 250)).toBe(300);
    expect(nextPriceBoundary(rows, 300)).toBe(500);
    expect(nextPriceBoundary(rows, 600)).toBe(900);
    expect(nextPriceBoundary(rows, 900)).toBeNull();
  });
});
