import { describe, expect, it } from "vitest";
import { PLATFORM_TEMPLATES } from "../../shared/checkout/shipping";
import { CURRENCIES } from "../../shared/platform/money";
import { newSeller, postProduct, putOnShelf, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { newShopper, placeOrder, quote } from "../helpers/orders";

const oneSku = (price: number) => [
  {
    skuName: "黑色 L",
    price,
    stock: 10,
    weightGrams: 2500,
    salesAttributes: [
      { attributeId: 201, value: "黑色" },
      { attributeId: 202, value: "L" },
    ],
  },
];

async function productIn(
  currency: string,
  price: number,
  seller = undefined as Awaited<ReturnType<typeof newSeller>> | undefined,
) {
  const owner = seller ?? (await newSeller());
  const created = await postProduct(owner, { ...tshirt({ skus: oneSku(price) }), currency });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await putOnShelf(owner, created.body.productId);
  return { seller: owner, skuId: created.body.skuIds[0] as string };
}

// Regression (issue #11, defect 11): the only default shipping template was in CNY, so a shop
// without its own template could put a USD product on shelf and every checkout of it was 422.
describe("shipping for shops without their own template, per currency", () => {
  it("quotes and orders a USD product under the platform's USD template", async () => {
    const { skuId } = await productIn("USD", 12.5);
    const shopper = await newShopper();
    const q = await quote(shopper, [{ skuId, quantity: 1 }]);
    expect(q.status, JSON.stringify(q.body)).toBe(200);
    const usd = PLATFORM_TEMPLATES.USD;
    // 2.5 kg: the first kg, then two further steps.
    const fee = usd.firstFee + 2 * usd.additionalFee;
    expect(q.body.orders[0]?.shippingFee).toEqual({ amount: fee, currency: "USD" });
    expect(q.body.payable).toEqual({ amount: 1250 + fee, currency: "USD" });
    const placed = await placeOrder(shopper, { quoteToken: q.body.quoteToken });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  });

  it("ships a shop's goods in another currency than its own template under that currency's default", async () => {
    const seller = await newSeller();
    const put = await call("PUT", "/admin/v1/shipping-template", {
      token: seller.token,
      body: {
        currency: "CNY",
        firstWeightGrams: 1000,
        firstFee: 0,
        additionalWeightGrams: 1000,
        additionalFee: 0,
        freeThreshold: null,
      },
    });
    expect(put.status).toBe(200);
    const cny = await productIn("CNY", 10, seller);
    const jpy = await productIn("JPY", 3000, seller);
    const shopper = await newShopper();
    const own = await quote(shopper, [{ skuId: cny.skuId, quantity: 1 }]);
    expect(own.body.orders[0]?.shippingFee).toEqual({ amount: 0, currency: "CNY" });
    const other = await quote(shopper, [{ skuId: jpy.skuId, quantity: 1 }]);
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    expect(other.body.orders[0]?.shippingFee).toEqual({
      amount: PLATFORM_TEMPLATES.JPY.firstFee + 2 * PLATFORM_TEMPLATES.JPY.additionalFee,
      currency: "JPY",
    });
  });

  it("has a platform template for every accepted currency, each in its own currency", () => {
    for (const currency of CURRENCIES) {
      expect(PLATFORM_TEMPLATES[currency]).toMatchObject({ currency, isDefault: true });
      expect(PLATFORM_TEMPLATES[currency].firstFee).toBeGreaterThan(0);
    }
  });

  it("shows a shop without a template the platform default", async () => {
    const seller = await newSeller();
    const res = await json(await call("GET", "/admin/v1/shipping-template", { token: seller.token }));
    expect(res.body).toMatchObject({ isDefault: true, currency: "CNY", firstFee: PLATFORM_TEMPLATES.CNY.firstFee });
  });
});
