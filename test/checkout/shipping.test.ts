import { describe, expect, it } from "vitest";
import { DEFAULT_TEMPLATE, type ShippingTemplate, shippingFee } from "../../shared/checkout/shipping";

const template: ShippingTemplate = {
  ...DEFAULT_TEMPLATE,
  shopId: "shp_x",
  firstWeightGrams: 500,
  firstFee: 800,
  additionalWeightGrams: 500,
  additionalFee: 300,
  freeThreshold: 19900,
  regions: [
    { country: "CN", provinces: ["新疆", "西藏"], firstFee: 1500, additionalFee: 600 },
    { country: "HK", firstFee: 3000, additionalFee: 1000 },
  ],
  isDefault: false,
};
const parcel = (weightGrams: number, goodsAmount: number, country = "CN", province = "上海") => ({
  weightGrams,
  goodsAmount,
  currency: "CNY" as const,
  destination: { country, province },
});

describe("shipping fees (运费模板)", () => {
  it("charges the first weight, then each further step rounded up", () => {
    expect(shippingFee(template, parcel(0, 100))).toBe(800);
    expect(shippingFee(template, parcel(500, 100))).toBe(800);
    expect(shippingFee(template, parcel(501, 100))).toBe(1100);
    expect(shippingFee(template, parcel(1500, 100))).toBe(1400);
  });

  it("uses the first matching region: provinces of a country, or the whole country", () => {
    expect(shippingFee(template, parcel(1000, 100, "CN", "新疆"))).toBe(2100);
    expect(shippingFee(template, parcel(1000, 100, "HK", "Kowloon"))).toBe(4000);
    expect(shippingFee(template, parcel(1000, 100, "CN", "北京"))).toBe(1100);
  });

  it("is free from the threshold (goods after discounts), and refuses a currency it is not in", () => {
    expect(shippingFee(template, parcel(5000, 19899))).toBeGreaterThan(0);
    expect(shippingFee(template, parcel(5000, 19900))).toBe(0);
    expect(shippingFee({ ...template, freeThreshold: null }, parcel(500, 10_000_000))).toBe(800);
    expect(() => shippingFee(template, { ...parcel(500, 100), currency: "USD" })).toThrow(
      expect.objectContaining({
        code: "shipping_currency_mismatch",
        detail: expect.stringContaining("shp_x"),
        extensions: { shopId: "shp_x", templateCurrency: "CNY", goodsCurrency: "USD" },
      }),
    );
  });
});
