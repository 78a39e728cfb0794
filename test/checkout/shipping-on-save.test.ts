// Issue #19, item 5: a shipping template in a currency the shop does not sell in, or with absurd
// fees, is refused when saved (PUT /admin/v1/shipping-template), not at every shopper's checkout.
import { describe, expect, it } from "vitest";
import { MAX_FEE_MAJOR_UNITS, maxFeeMinor } from "../../shared/checkout/shipping";
import { newSeller, postProduct, type Seller, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";

type Problem = { code?: string; detail?: string; errors?: { field: string; reason: string }[] } & Record<
  string,
  unknown
>;

const base = {
  firstWeightGrams: 1000,
  firstFee: 1000,
  additionalWeightGrams: 1000,
  additionalFee: 500,
  freeThreshold: null,
};

const put = (seller: Seller, body: object) =>
  call("PUT", "/admin/v1/shipping-template", { token: seller.token, body }).then(json<Problem>);

async function priceIn(seller: Seller, currency: string, price: number) {
  const sku = {
    skuName: "黑色 L",
    price,
    stock: 5,
    weightGrams: 300,
    salesAttributes: [
      { attributeId: 201, value: "黑色" },
      { attributeId: 202, value: "L" },
    ],
  };
  const created = await postProduct(seller, { ...tshirt({ skus: [sku] }), currency });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

describe("shipping template fees are bounded on save", () => {
  it("caps each fee at 100,000 major units of the template's currency", () => {
    expect(MAX_FEE_MAJOR_UNITS).toBe(100_000);
    expect(maxFeeMinor("CNY")).toBe(10_000_000);
    expect(maxFeeMinor("JPY")).toBe(100_000);
    expect(maxFeeMinor("BHD")).toBe(100_000_000);
  });

  it("refuses a base or regional fee above the cap, naming each field", async () => {
    const seller = await newSeller();
    const res = await put(seller, {
      ...base,
      firstFee: 10_000_001,
      additionalFee: 20_000_000,
      regions: [
        { country: "CN", firstFee: 1500, additionalFee: 600 },
        { country: "HK", firstFee: 10_000_001, additionalFee: 10_000_001 },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe("validation_failed");
    expect(res.body.errors?.map((e) => e.field).sort()).toEqual(
      ["additionalFee", "firstFee", "regions.1.additionalFee", "regions.1.firstFee"].sort(),
    );
    expect(res.body.errors?.[0]?.reason).toContain("100000.00 CNY");
    // Nothing was saved: the shop still ships under the platform's default.
    const current = await json<{ isDefault: boolean }>(
      await call("GET", "/admin/v1/shipping-template", { token: seller.token }),
    );
    expect(current.body.isDefault).toBe(true);
  });

  it("applies the cap in the template's own currency (JPY has no minor units)", async () => {
    const seller = await newSeller();
    const over = await put(seller, { ...base, currency: "JPY", firstFee: 100_001 });
    expect(over.status, JSON.stringify(over.body)).toBe(400);
    expect(over.body.errors).toEqual([{ field: "firstFee", reason: expect.stringContaining("100000 JPY") }]);
    const atCap = await put(seller, { ...base, currency: "JPY", firstFee: 100_000, additionalFee: 100_000 });
    expect(atCap.status, JSON.stringify(atCap.body)).toBe(200);
    const cnyAtCap = await put(seller, { ...base, firstFee: 10_000_000 });
    expect(cnyAtCap.status, JSON.stringify(cnyAtCap.body)).toBe(200);
  });

  it("refuses a weight step under 1 g and a negative free threshold", async () => {
    const seller = await newSeller();
    const res = await put(seller, { ...base, additionalWeightGrams: 0, freeThreshold: -1 });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.errors?.map((e) => e.field).sort()).toEqual(["additionalWeightGrams", "freeThreshold"]);
  });
});

describe("a shipping template's currency is one the shop sells in", () => {
  it("refuses a template in a currency none of the shop's prices are in, naming both", async () => {
    const seller = await newSeller();
    await priceIn(seller, "CNY", 79);
    const res = await put(seller, { ...base, currency: "USD" });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body).toMatchObject({
      code: "shipping_currency_mismatch",
      shopId: seller.shopId,
      templateCurrency: "USD",
      shopCurrencies: ["CNY"],
    });
    expect(res.body.detail).toContain("CNY");
    expect(res.body.detail).toContain("USD");
    const current = await json<{ isDefault: boolean }>(
      await call("GET", "/admin/v1/shipping-template", { token: seller.token }),
    );
    expect(current.body.isDefault).toBe(true);
  });

  it("accepts a template in the shop's currency, or in any one of a shop selling in several", async () => {
    const seller = await newSeller();
    await priceIn(seller, "CNY", 79);
    expect((await put(seller, base)).status).toBe(200);
    await priceIn(seller, "JPY", 3000);
    const jpy = await put(seller, { ...base, currency: "JPY" });
    expect(jpy.status, JSON.stringify(jpy.body)).toBe(200);
    expect(jpy.body).toMatchObject({ currency: "JPY", isDefault: false });
    expect((await put(seller, { ...base, currency: "EUR" })).body).toMatchObject({
      code: "shipping_currency_mismatch",
      shopCurrencies: ["CNY", "JPY"],
    });
  });

  it("accepts any accepted currency from a shop without priced products yet", async () => {
    const seller = await newSeller();
    const res = await put(seller, { ...base, currency: "USD" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ currency: "USD", isDefault: false });
  });
});
