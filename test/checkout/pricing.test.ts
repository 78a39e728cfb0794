import { describe, expect, it } from "vitest";
import { type CheckoutFacts, priceCheckout, type SkuFact } from "../../shared/checkout/quote";
import { DEFAULT_TEMPLATE } from "../../shared/checkout/shipping";

const SHOP = "shp_pricing";

function fact(skuId: string, amount: number, weightGrams = 100): SkuFact {
  return {
    skuId,
    productId: `spu_${skuId}`,
    shopId: SHOP,
    productName: "T恤",
    skuName: skuId,
    productStatus: 10,
    categoryId: 1003001,
    brandId: 2001,
    kind: "physical",
    weightGrams,
    price: { amount, currency: "CNY" },
    salesAttributes: [],
    image: null,
  };
}

function factsOf(skus: SkuFact[]): CheckoutFacts {
  return {
    user: { id: "usr_pricing", status: 1 },
    skus: new Map(skus.map((s) => [s.skuId, s])),
    address: {
      id: "adr_1",
      userId: "usr_pricing",
      recipient: "x",
      phone: "1",
      country: "CN",
      province: "上海",
      city: "上海",
      district: null,
      line1: "x",
      line2: null,
      postalCode: "200000",
      isDefault: true,
      version: 1,
      createdAt: 0,
      updatedAt: 0,
    },
    templates: new Map([[SHOP, { ...DEFAULT_TEMPLATE, shopId: SHOP }]]),
    warehousePriorities: new Map(),
    heldUnits: 0,
  };
}

describe("discount allocation (优惠分摊)", () => {
  it("splits an order discount over its lines by line total, exactly, remainders to the largest fractions", () => {
    // Lines of 33.33, 33.33 and 33.34 (× quantities) sharing a ¥10.00 discount.
    const facts = factsOf([fact("a", 3333), fact("b", 3333), fact("c", 3334)]);
    const body = {
      items: [
        { skuId: "a", quantity: 1 },
        { skuId: "b", quantity: 1 },
        { skuId: "c", quantity: 1 },
      ],
      addressId: "adr_1",
    };
    const quote = priceCheckout(facts, body, () => [1000]);
    const [order] = quote.orders;
    expect(order?.lines.map((l) => l.discount)).toEqual([333, 333, 334]);
    expect(order?.discount).toBe(1000);
    // ¥100.00 of goods, −¥10.00, under the ¥99 free threshold after the discount: ¥10 shipping.
    expect(order).toMatchObject({ subtotal: 10000, shippingFee: 1000, total: 10000 });
    // Every line's paid amount plus its discount is its line total; the paid amounts sum to the goods paid.
    const paid = order?.lines.map((l) => l.lineTotal - l.discount) ?? [];
    expect(paid.reduce((a, b) => a + b, 0)).toBe(9000);
  });

  it("never discounts more than the goods and gives odd units to the earlier line on ties", () => {
    const facts = factsOf([fact("a", 100), fact("b", 100)]);
    const body = {
      items: [
        { skuId: "a", quantity: 1 },
        { skuId: "b", quantity: 1 },
      ],
      addressId: "adr_1",
    };
    expect(priceCheckout(facts, body, () => [101]).orders[0]?.lines.map((l) => l.discount)).toEqual([51, 50]);
    const capped = priceCheckout(facts, body, () => [5000]).orders[0];
    expect(capped?.discount).toBe(200);
    expect(capped?.lines.map((l) => l.lineTotal - l.discount)).toEqual([0, 0]);
  });
});
