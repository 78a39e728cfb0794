import { describe, expect, it } from "vitest";
import { PRODUCT_STATUS } from "../../shared/catalog/lifecycle";
import type { CheckoutFacts, SkuFact } from "../../shared/checkout/checkout-facts";
import { type DiscountRule, priceCheckout } from "../../shared/checkout/pricing";
import { DEFAULT_TEMPLATE } from "../../shared/checkout/shipping";
import { AppError } from "../../shared/platform/errors";
import { allocate } from "../../shared/platform/money";

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
    // The account phone is the default recharge target of virtual goods.
    user: { id: "usr_pricing", status: 1, phone: "+8613800000001" },
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
    offers: { vouchers: [], thresholds: [], categoryPaths: new Map(), coinBalance: 0 },
  };
}

/** A promotions rule giving each order one discount of `amount` (capped at its goods), allocated over all its lines. */
const orderDiscountOf =
  (amount: number): DiscountRule =>
  (drafts) => ({
    orders: drafts.map((d) => {
      const capped = Math.min(amount, d.subtotal);
      const shares = allocate(
        capped,
        d.lines.map((l) => l.lineTotal),
      );
      return [{ source: "threshold" as const, sourceId: null, amount: capped, shares }];
    }),
    coinsUsed: 0,
  });

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
    const quote = priceCheckout(facts, body, orderDiscountOf(1000));
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
    expect(priceCheckout(facts, body, orderDiscountOf(101)).orders[0]?.lines.map((l) => l.discount)).toEqual([51, 50]);
    const capped = priceCheckout(facts, body, orderDiscountOf(5000)).orders[0];
    expect(capped?.discount).toBe(200);
    expect(capped?.lines.map((l) => l.lineTotal - l.discount)).toEqual([0, 0]);
  });
});

/** `fact` of another shop, kind, status or currency. */
const factOf = (skuId: string, amount: number, over: Partial<SkuFact>): SkuFact => ({
  ...fact(skuId, amount),
  ...over,
});

/** Facts with a platform template for every shop the SKUs belong to. */
function factsFor(skus: SkuFact[]): CheckoutFacts {
  const base = factsOf(skus);
  const shops = new Set(skus.map((s) => s.shopId));
  return { ...base, templates: new Map([...shops].map((shopId) => [shopId, { ...DEFAULT_TEMPLATE, shopId }])) };
}

/** The AppError `run` throws (fails the test when it throws nothing). */
function thrown(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

describe("pricing a checkout (split per seller and kind, shipping per order)", () => {
  it("makes one order per seller and category kind, each with its own shipping, and sums the payable", () => {
    const facts = factsFor([
      fact("a1", 5000),
      fact("a2", 3000),
      factOf("b1", 2000, { shopId: "shp_other", weightGrams: 1500 }),
      factOf("v1", 1000, { kind: "virtual", weightGrams: 0 }),
    ]);
    const quote = priceCheckout(facts, {
      items: [
        { skuId: "a1", quantity: 1 },
        { skuId: "b1", quantity: 1 },
        { skuId: "v1", quantity: 3 },
        { skuId: "a2", quantity: 2 },
      ],
      addressId: "adr_1",
    });
    expect(quote.currency).toBe("CNY");
    expect(quote.orders.map((o) => [o.shopId, o.kind, o.lines.map((l) => l.skuId)])).toEqual([
      [SHOP, "physical", ["a1", "a2"]],
      ["shp_other", "physical", ["b1"]],
      [SHOP, "virtual", ["v1"]],
    ]);
    // ¥110 of goods: free from ¥99. 1.5 kg for ¥20: ¥10 first kg + ¥5 the next. Virtual goods ship free.
    expect(quote.orders.map((o) => [o.subtotal, o.shippingFee, o.total])).toEqual([
      [11000, 0, 11000],
      [2000, 1500, 3500],
      [3000, 0, 3000],
    ]);
    expect(quote.orders[0]?.lines[1]).toMatchObject({ quantity: 2, unitPrice: 3000, lineTotal: 6000, discount: 0 });
    expect(quote.orders[0]?.lines[0]?.name).toBe("T恤 a1");
    expect(quote.payable).toBe(17500);
    expect(quote.address?.id).toBe("adr_1");
  });

  it("weighs every unit of a parcel: quantity × weight decides the shipping steps", () => {
    const facts = factsFor([fact("h", 1000, 600)]);
    const quote = priceCheckout(facts, { items: [{ skuId: "h", quantity: 3 }], addressId: "adr_1" });
    // 1.8 kg: ¥10 for the first kg, ¥5 for the started second.
    expect(quote.orders[0]?.shippingFee).toBe(1500);
  });

  it("needs no address for virtual goods alone, and carries none", () => {
    const facts = { ...factsFor([factOf("v", 1000, { kind: "virtual" })]), address: undefined };
    const quote = priceCheckout(facts, { items: [{ skuId: "v", quantity: 1 }] });
    expect(quote.orders[0]).toMatchObject({ kind: "virtual", shippingFee: 0, total: 1000 });
    expect(quote.orders[0]?.lines.map((l) => l.rechargeTarget)).toEqual(["+8613800000001"]);
    expect(quote.address).toBeNull();
  });

  it("names every unknown SKU by its item index", () => {
    const error = thrown(() =>
      priceCheckout(factsFor([fact("a", 100)]), {
        items: [
          { skuId: "a", quantity: 1 },
          { skuId: "nope", quantity: 1 },
          { skuId: "gone", quantity: 1 },
        ],
        addressId: "adr_1",
      }),
    );
    expect(error.code).toBe("validation_failed");
    expect(error.errors?.map((e) => e.field)).toEqual(["items.1.skuId", "items.2.skuId"]);
  });

  it("refuses goods that are not on sale or have no price, naming the SKU", () => {
    const offShelf = thrown(() =>
      priceCheckout(factsFor([factOf("off", 100, { productStatus: 0 })]), {
        items: [{ skuId: "off", quantity: 1 }],
        addressId: "adr_1",
      }),
    );
    expect([offShelf.code, offShelf.extensions.skuId]).toEqual(["product_unavailable", "off"]);
    const unpriced = thrown(() =>
      priceCheckout(factsFor([factOf("free", 100, { price: null })]), {
        items: [{ skuId: "free", quantity: 1 }],
        addressId: "adr_1",
      }),
    );
    expect([unpriced.code, unpriced.extensions.skuId]).toEqual(["product_unavailable", "free"]);
  });

  it("keeps SOLD_OUT goods orderable: the SKU's object decides at reservation", () => {
    const facts = factsFor([factOf("s", 100, { productStatus: PRODUCT_STATUS.SOLD_OUT })]);
    expect(priceCheckout(facts, { items: [{ skuId: "s", quantity: 1 }], addressId: "adr_1" }).payable).toBe(1100);
  });

  it("refuses a checkout priced in two currencies", () => {
    const facts = factsFor([fact("cny", 100), factOf("usd", 100, { price: { amount: 100, currency: "USD" } })]);
    const error = thrown(() =>
      priceCheckout(facts, {
        items: [
          { skuId: "cny", quantity: 1 },
          { skuId: "usd", quantity: 1 },
        ],
        addressId: "adr_1",
      }),
    );
    expect(error).toMatchObject({
      code: "mixed_currencies",
      extensions: { skusByCurrency: { CNY: ["cny"], USD: ["usd"] } },
    });
  });

  it("asks for an address when goods ship, and refuses one that is not the shopper's", () => {
    const missing = thrown(() => priceCheckout(factsFor([fact("a", 100)]), { items: [{ skuId: "a", quantity: 1 }] }));
    expect(missing.errors?.[0]?.field).toBe("addressId");
    const facts = { ...factsFor([fact("a", 100)]), address: undefined };
    const foreign = thrown(() => priceCheckout(facts, { items: [{ skuId: "a", quantity: 1 }], addressId: "adr_x" }));
    expect(foreign.errors?.[0]).toEqual({ field: "addressId", reason: "is not one of your addresses" });
  });

  it("has no promotions yet: a voucher or coins are refused by the default discount rule", () => {
    const facts = factsFor([fact("a", 100)]);
    const items = [{ skuId: "a", quantity: 1 }];
    expect(thrown(() => priceCheckout(facts, { items, addressId: "adr_1", voucherCode: "X" })).errors?.[0]?.field).toBe(
      "voucherCode",
    );
    expect(thrown(() => priceCheckout(facts, { items, addressId: "adr_1", coins: 5 })).errors?.[0]?.field).toBe(
      "coins",
    );
    expect(priceCheckout(facts, { items, addressId: "adr_1", coins: 0 }).orders[0]?.discount).toBe(0);
  });
});
