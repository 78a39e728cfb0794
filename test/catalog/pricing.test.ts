/** The catalog's pure price rules, outside any storage. */
import { describe, expect, it } from "vitest";
import { effectivePrice, nextPriceBoundary } from "../../shared/catalog/pricing";
import type { PriceRow } from "../../shared/catalog/products-repo";

const row = (over: Partial<PriceRow>): PriceRow => ({
  id: `price_${Math.random()}`,
  skuId: "sku_1",
  type: "standard",
  amount: 1000,
  currency: "CNY",
  effectiveAt: 0,
  expiresAt: null,
  createdAt: 0,
  ...over,
});

describe("effectivePrice", () => {
  it("answers the standard price when no promo is live", () => {
    expect(effectivePrice([row({ amount: 1000 })], 50)).toEqual({ amount: 1000, currency: "CNY" });
  });

  it("prefers a live promo, and only inside its window", () => {
    const rows = [row({ amount: 1000 }), row({ type: "promo", amount: 800, effectiveAt: 100, expiresAt: 200 })];
    expect(effectivePrice(rows, 99)?.amount).toBe(1000);
    expect(effectivePrice(rows, 100)?.amount).toBe(800);
    expect(effectivePrice(rows, 199)?.amount).toBe(800);
    expect(effectivePrice(rows, 200)?.amount).toBe(1000);
  });

  it("takes the most recently effective row of a type", () => {
    const rows = [row({ amount: 1000, effectiveAt: 0 }), row({ amount: 1200, effectiveAt: 10 })];
    expect(effectivePrice(rows, 5)?.amount).toBe(1000);
    expect(effectivePrice(rows, 10)?.amount).toBe(1200);
  });

  it("answers null when nothing is in force", () => {
    expect(effectivePrice([], 0)).toBeNull();
    expect(effectivePrice([row({ effectiveAt: 100 })], 50)).toBeNull();
    expect(effectivePrice([row({ expiresAt: 40 })], 50)).toBeNull();
  });
});

describe("nextPriceBoundary", () => {
  it("is the first start or end after now", () => {
    const rows = [row({ effectiveAt: 0, expiresAt: 500 }), row({ effectiveAt: 300, expiresAt: null })];
    expect(nextPriceBoundary(rows, 100)).toBe(300);
    expect(nextPriceBoundary(rows, 300)).toBe(500);
    expect(nextPriceBoundary(rows, 500)).toBeNull();
  });
});
