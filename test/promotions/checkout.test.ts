/**
 * Promotions at checkout, through the storefront: the quote's breakdown for every stacking
 * combination, refusals with their reasons, and the life of a hold (order creation holds, payment
 * consumes, cancel returns), exact when checkouts race for the last uses of a voucher.
 */
import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { expireUnpaid } from "../../shared/orders/orders";
import { ManualClock } from "../../shared/platform/clock";
import { newSeller, postProduct, putOnShelf, SEED_DATA_PACK } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { countOnShards } from "../helpers/order-d1";
import { newShopper, orderDepsFor, placeOrder, quote, type Shopper, skuOnSale } from "../helpers/orders";
import { eventually, pay, settle } from "../helpers/payments";
import { coinsOf, grantCoins, newThreshold, newVoucher } from "../helpers/promotions";
import { act } from "../helpers/sandbox";

interface Breakdown {
  orders: {
    sellerId: string;
    kind: string;
    discount: { amount: number };
    discounts: { source: string; amount: { amount: number }; voucherId?: string }[];
    items: { discount: { amount: number } }[];
    total: { amount: number };
  }[];
  coinsUsed: number;
  payable: { amount: number };
  code?: string;
  reason?: string;
}

async function voucherRow(voucherId: string) {
  return env.DB.prepare("select taken, budget_taken as budgetTaken from vouchers where id = ?")
    .bind(voucherId)
    .first<{ taken: number; budgetTaken: number }>();
}

async function usesOf(voucherId: string) {
  const rows = await env.DB.prepare(
    "select status, count(*) as n from voucher_uses where voucher_id = ? group by status",
  )
    .bind(voucherId)
    .all<{ status: string; n: number }>();
  return Object.fromEntries(rows.results.map((r) => [r.status, r.n]));
}

/** Two shops' SKUs at ¥200 and ¥100, with a 满 150 减 15 on the first shop. */
async function twoShops() {
  const shopA = await newSeller();
  const shopB = await newSeller();
  const a = await skuOnSale(shopA, { price: 200, stock: 500 });
  const b = await skuOnSale(shopB, { price: 100, stock: 500 });
  await newThreshold(shopA, [
    [150, 15],
    [1000, 200],
  ]);
  return { shopA, shopB, a: a.skuId, b: b.skuId };
}

// The races below end with orders whose events are still being consumed (and logged): let them
// finish before the file's runtime closes, or a late log line fails the run as an unhandled error.
afterAll(settle);

describe("the quote's breakdown", () => {
  it("shows a threshold discount alone, then with a shop voucher, a platform voucher and coins, in that order", async () => {
    const { shopA, shopB, a, b } = await twoShops();
    const shopper = await newShopper();
    const items = [
      { skuId: a, quantity: 1 },
      { skuId: b, quantity: 1 },
    ];
    const alone = await quote(shopper, items);
    expect(alone.status, JSON.stringify(alone.body)).toBe(200);
    const byShop = (body: Breakdown) => new Map(body.orders.map((o) => [o.sellerId, o]));
    expect(byShop(alone.body as unknown as Breakdown).get(shopA.shopId ?? "")?.discounts).toEqual([
      expect.objectContaining({ source: "threshold", amount: { amount: 1500, currency: "CNY" } }),
    ]);
    expect(byShop(alone.body as unknown as Breakdown).get(shopB.shopId ?? "")?.discounts).toEqual([]);

    const shopVoucher = await newVoucher({ value: { amount: 500, currency: "CNY" } }, shopB);
    const platform = await newVoucher({ kind: "percent", value: 10, maxDiscount: { amount: 100000, currency: "CNY" } });
    await grantCoins(shopper.id, 100_000);
    const all = await json<Breakdown>(
      await call("POST", "/v1/checkout/quote", {
        token: shopper.token,
        body: { items, addressId: shopper.addressId, voucherCodes: [shopVoucher.code, platform.code], coins: 100_000 },
      }),
    );
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const orders = byShop(all.body);
    // Shop A: ¥200 − ¥15 (满减) = 185; 10% of (185 + 95) = 28.00 split 185:95 → 18.50 and 9.50;
    // coins: 50% of (166.50 + 85.50) = 126.00, split 166.50:85.50 → 83.25 and 42.75.
    expect(orders.get(shopA.shopId ?? "")?.discounts.map((d) => [d.source, d.amount.amount])).toEqual([
      ["threshold", 1500],
      ["platform_voucher", 1850],
      ["coins", 8325],
    ]);
    expect(orders.get(shopB.shopId ?? "")?.discounts.map((d) => [d.source, d.amount.amount])).toEqual([
      ["shop_voucher", 500],
      ["platform_voucher", 950],
      ["coins", 4275],
    ]);
    expect(orders.get(shopB.shopId ?? "")?.discounts[0]?.voucherId).toBe(shopVoucher.voucherId);
    expect(all.body.coinsUsed).toBe(12600);
    for (const o of all.body.orders) {
      expect(o.items.reduce((acc, i) => acc + i.discount.amount, 0)).toBe(o.discount.amount);
      expect(o.discounts.reduce((acc, d) => acc + d.amount.amount, 0)).toBe(o.discount.amount);
    }
    expect(all.body.payable.amount).toBe(all.body.orders.reduce((acc, o) => acc + o.total.amount, 0));
  });

  it("shows every combination of threshold discount, shop voucher, platform voucher and coins in the fixed order", async () => {
    // Two shops with a ¥200 SKU each, a 满 150 减 15 on one, a ¥5 voucher on each; a 10 % platform voucher.
    const withThreshold = await newSeller();
    const without = await newSeller();
    const skus = new Map<boolean, string>();
    const shopVouchers = new Map<boolean, string>();
    for (const [hasThreshold, seller] of [
      [true, withThreshold],
      [false, without],
    ] as const) {
      skus.set(hasThreshold, (await skuOnSale(seller, { price: 200, stock: 10 })).skuId);
      shopVouchers.set(hasThreshold, (await newVoucher({ value: { amount: 500, currency: "CNY" } }, seller)).code);
    }
    await newThreshold(withThreshold, [[150, 15]]);
    const platform = await newVoucher({ kind: "percent", value: 10, maxDiscount: { amount: 100000, currency: "CNY" } });
    const shopper = await newShopper();
    await grantCoins(shopper.id, 100_000);

    for (let mask = 0; mask < 16; mask++) {
      const [threshold, shop, pf, coins] = [1, 2, 4, 8].map((bit) => (mask & bit) !== 0) as [
        boolean,
        boolean,
        boolean,
        boolean,
      ];
      const codes = [...(shop ? [shopVouchers.get(threshold) ?? ""] : []), ...(pf ? [platform.code] : [])];
      const res = await json<Breakdown>(
        await call("POST", "/v1/checkout/quote", {
          token: shopper.token,
          body: {
            items: [{ skuId: skus.get(threshold), quantity: 1 }],
            addressId: shopper.addressId,
            voucherCodes: codes,
            ...(coins ? { coins: 100_000 } : {}),
          },
        }),
      );
      expect(res.status, `${mask}: ${JSON.stringify(res.body)}`).toBe(200);
      // What each step takes off what the earlier ones left of ¥200.
      let left = 20000;
      const expected: [string, number][] = [];
      const take = (source: string, amount: number) => {
        expected.push([source, amount]);
        left -= amount;
      };
      if (threshold) take("threshold", 1500);
      if (shop) take("shop_voucher", 500);
      if (pf) take("platform_voucher", Math.floor(left / 10));
      if (coins) take("coins", Math.floor(left / 2));
      const [order] = res.body.orders;
      expect(
        order?.discounts.map((d) => [d.source, d.amount.amount]),
        `combination ${mask}`,
      ).toEqual(expected);
      expect(order?.discount.amount).toBe(20000 - left);
      expect(order?.items[0]?.discount.amount).toBe(20000 - left);
      expect(res.body.coinsUsed).toBe(coins ? (expected.at(-1)?.[1] ?? 0) : 0);
    }
  });

  it("answers a code that does not apply with 422 voucher_not_applicable and the reason", async () => {
    const { a } = await twoShops();
    const shopper = await newShopper();
    const high = await newVoucher({ minSpend: { amount: 50000, currency: "CNY" } });
    const later = await newVoucher({ startsAt: new Date(Date.now() + 3600_000).toISOString() });
    for (const [code, reason] of [
      [high.code, "min_spend"],
      [later.code, "not_started"],
      ["NO-SUCH-CODE", "out_of_scope"],
    ]) {
      const res = await json<Breakdown>(
        await call("POST", "/v1/checkout/quote", {
          token: shopper.token,
          body: { items: [{ skuId: a, quantity: 1 }], addressId: shopper.addressId, voucherCode: code },
        }),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body).toMatchObject({ code: "voucher_not_applicable", reason });
    }
  });
});

describe("holds: created, paid, cancelled", () => {
  it("holds the voucher and coins with the order, returns both on cancel, and consumes them on payment", async () => {
    const { a } = await twoShops();
    const shopper = await newShopper();
    await grantCoins(shopper.id, 1000);
    const v = await newVoucher({ perUserLimit: 1, totalCount: 5 });
    const body = { items: [{ skuId: a, quantity: 1 }], addressId: shopper.addressId, voucherCode: v.code, coins: 1000 };
    const placed = await placeOrder(shopper, body);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    // ¥200 − 15 − 10 − coins ¥10 + shipping.
    expect(await coinsOf(shopper.token)).toBe(0);
    expect(await voucherRow(v.voucherId)).toEqual({ taken: 1, budgetTaken: 1000 });
    const again = await quote(shopper, [{ skuId: a, quantity: 1 }], { voucherCode: v.code });
    expect(again.body).toMatchObject({ code: "voucher_not_applicable", reason: "per_user_limit" });

    const orderId = placed.body.orders[0]?.orderId ?? "";
    const cancelled = await json(
      await call("POST", `/v1/orders/${orderId}/cancel`, { token: shopper.token, body: {} }),
    );
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(await coinsOf(shopper.token)).toBe(1000);
    expect(await voucherRow(v.voucherId)).toEqual({ taken: 0, budgetTaken: 0 });
    expect(await usesOf(v.voucherId)).toEqual({ returned: 1 });

    // The consumer of order.cancelled runs the same return again: nothing moves twice.
    await settle();
    expect(await coinsOf(shopper.token)).toBe(1000);
    expect(await voucherRow(v.voucherId)).toEqual({ taken: 0, budgetTaken: 0 });

    const second = await placeOrder(shopper, body);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    const started = await pay(shopper, second.body.payOrderId);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    await act(started.body.paymentId, "succeed");
    await settle();
    await eventually(
      () => usesOf(v.voucherId),
      (u) => u.consumed === 1,
      "the use consumed",
    );
    const spent = await env.DB.prepare("select count(*) as n from ledger_transactions where idempotency_key = ?")
      .bind(`coins:spend:${second.body.orders[0]?.orderId}`)
      .first<{ n: number }>();
    expect(spent?.n).toBe(1);
    expect(await voucherRow(v.voucherId)).toEqual({ taken: 1, budgetTaken: 1000 });
  });

  it("returns the voucher use and the coins when the payment timeout cancels the order, once", async () => {
    const { a } = await twoShops();
    const shopper = await newShopper();
    await grantCoins(shopper.id, 800);
    const v = await newVoucher({ perUserLimit: 1, totalCount: 5 });
    const placed = await placeOrder(shopper, {
      items: [{ skuId: a, quantity: 1 }],
      addressId: shopper.addressId,
      voucherCode: v.code,
      coins: 800,
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(await coinsOf(shopper.token)).toBe(0);
    const clock = new ManualClock(Date.parse(placed.body.payBy) + 1);
    const ops = orderDepsFor(clock);
    expect(await expireUnpaid(ops, placed.body.payOrderId)).toBe(1);
    // The timeout redelivered, and the order.cancelled consumer: nothing comes back twice.
    expect(await expireUnpaid(ops, placed.body.payOrderId)).toBe(0);
    await settle();
    expect(await coinsOf(shopper.token)).toBe(800);
    expect(await voucherRow(v.voucherId)).toEqual({ taken: 0, budgetTaken: 0 });
    expect(await usesOf(v.voucherId)).toEqual({ returned: 1 });
  });

  it("refuses an order whose coins were spent since the quote (409 insufficient_coins) and holds nothing", async () => {
    const { a } = await twoShops();
    const shopper = await newShopper();
    await grantCoins(shopper.id, 500);
    const v = await newVoucher();
    const quoted = await quote(shopper, [{ skuId: a, quantity: 1 }], { voucherCode: v.code, coins: 500 });
    expect(quoted.status, JSON.stringify(quoted.body)).toBe(200);
    await grantCoins(shopper.id, -100);
    const placed = await placeOrder(shopper, { quoteToken: quoted.body.quoteToken });
    expect(placed.status, JSON.stringify(placed.body)).toBe(409);
    expect(placed.body.code).toBe("insufficient_coins");
    expect(await voucherRow(v.voucherId)).toEqual({ taken: 0, budgetTaken: 0 });
    expect(await coinsOf(shopper.token)).toBe(400);
  });
});

describe("a shop's checkout split into two seller orders", () => {
  it("applies its threshold discount and voucher once, split between the orders, held once and returned when both are cancelled", async () => {
    const seller = await newSeller();
    const physical = await skuOnSale(seller, { price: 200, stock: 50 });
    const pack = await postProduct(seller, SEED_DATA_PACK);
    expect(pack.status, JSON.stringify(pack.body)).toBe(201);
    await putOnShelf(seller, pack.body.productId);
    // 满 230 减 10 and a ¥11.90 voucher from ¥220: the ¥200 shirt and the ¥38 data pack reach
    // both only together.
    await newThreshold(seller, [[230, 10]]);
    const v = await newVoucher(
      { value: { amount: 1190, currency: "CNY" }, minSpend: { amount: 22000, currency: "CNY" } },
      seller,
    );
    const shopper = await newShopper();
    const items = [
      { skuId: physical.skuId, quantity: 1 },
      { skuId: pack.body.skuIds[2], quantity: 1, rechargeTarget: "+8613700000001" },
    ];
    const quoted = await json<Breakdown & { quoteToken: string }>(
      await call("POST", "/v1/checkout/quote", {
        token: shopper.token,
        body: { items, addressId: shopper.addressId, voucherCode: v.code },
      }),
    );
    expect(quoted.status, JSON.stringify(quoted.body)).toBe(200);
    const byKind = new Map(quoted.body.orders.map((o) => [o.kind, o]));
    // ¥10 split 200:38 → 8.40 and 1.60; ¥11.90 split 191.60:36.40 → 10.00 and 1.90.
    expect(byKind.get("physical")?.discounts.map((d) => [d.source, d.amount.amount])).toEqual([
      ["threshold", 840],
      ["shop_voucher", 1000],
    ]);
    expect(byKind.get("virtual")?.discounts.map((d) => [d.source, d.amount.amount])).toEqual([
      ["threshold", 160],
      ["shop_voucher", 190],
    ]);

    const placed = await placeOrder(shopper, { quoteToken: quoted.body.quoteToken });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body.orders).toHaveLength(2);
    expect(await voucherRow(v.voucherId)).toEqual({ taken: 1, budgetTaken: 1190 });
    expect(await usesOf(v.voucherId)).toEqual({ held: 1 });

    const [first, second] = placed.body.orders.map((o) => o.orderId);
    const cancel = async (orderId: string | undefined) =>
      json(await call("POST", `/v1/orders/${orderId}/cancel`, { token: shopper.token, body: {} }));
    expect((await cancel(first)).status).toBe(200);
    // The other order still uses the voucher: its use stays held.
    expect(await usesOf(v.voucherId)).toEqual({ held: 1 });
    expect((await cancel(second)).status).toBe(200);
    expect(await usesOf(v.voucherId)).toEqual({ returned: 1 });
    expect(await voucherRow(v.voucherId)).toEqual({ taken: 0, budgetTaken: 0 });
  });
});

describe("racing for a voucher's last uses", () => {
  it("lets 100 concurrent checkouts on a 10-use voucher make exactly 10 discounted orders and 90 clean 409s", async () => {
    const { shopA, a } = await twoShops();
    const v = await newVoucher({ totalCount: 10, perUserLimit: 1 }, shopA);
    const shoppers: Shopper[] = [];
    for (let i = 0; i < 100; i++) shoppers.push(await newShopper());
    const stockBefore = await json<{ available: number; reserved: number }>(
      await call("GET", `/admin/v1/skus/${a}/stock`, { token: shopA.token }),
    );
    const answers = await Promise.all(
      shoppers.map((s) =>
        placeOrder(s, { items: [{ skuId: a, quantity: 1 }], addressId: s.addressId, voucherCode: v.code }),
      ),
    );
    const won = answers.filter((r) => r.status === 201);
    const lost = answers.filter((r) => r.status !== 201);
    expect(won).toHaveLength(10);
    expect(lost.map((r) => [r.status, r.body.code])).toEqual(Array(90).fill([409, "voucher_exhausted"]));
    expect(await voucherRow(v.voucherId)).toEqual({ taken: 10, budgetTaken: 10000 });
    expect(await usesOf(v.voucherId)).toEqual({ held: 10 });
    // The losers held nothing: only the winners' 10 units are reserved.
    const stockAfter = await json<{ available: number; reserved: number }>(
      await call("GET", `/admin/v1/skus/${a}/stock`, { token: shopA.token }),
    );
    expect(stockAfter.body.reserved - stockBefore.body.reserved).toBe(10);
    const discounted = await countOnShards(
      "select count(*) as n from order_discounts where source = 'shop_voucher' and source_id = ?",
      v.voucherId,
    );
    expect(discounted).toBe(10);
  }, 180_000);

  it("holds one shopper to a per-user limit of 2 under 20 parallel orders", async () => {
    const { a } = await twoShops();
    const v = await newVoucher({ totalCount: 100, perUserLimit: 2 });
    const shopper = await newShopper();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        placeOrder(shopper, { items: [{ skuId: a, quantity: 1 }], addressId: shopper.addressId, voucherCode: v.code }),
      ),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(2);
    const refused = answers.filter((r) => r.status !== 201).map((r) => [r.status, r.body.code]);
    // A loser that read the limit before the winners held is refused at the hold (409), one that
    // read it after at pricing (422): either way nothing is held.
    for (const [status, code] of refused) {
      expect([
        [409, "voucher_exhausted"],
        [422, "voucher_not_applicable"],
      ]).toContainEqual([status, code]);
    }
    expect(await voucherRow(v.voucherId)).toEqual({ taken: 2, budgetTaken: 2000 });
  }, 180_000);

  it("never spends past a voucher's budget: 30 checkouts for ¥10 off against a ¥35 budget take at most ¥35", async () => {
    const { a } = await twoShops();
    const v = await newVoucher({ totalCount: 100, perUserLimit: 1, budget: { amount: 3500, currency: "CNY" } });
    const shoppers: Shopper[] = [];
    for (let i = 0; i < 30; i++) shoppers.push(await newShopper());
    const answers = await Promise.all(
      shoppers.map((s) =>
        placeOrder(s, { items: [{ skuId: a, quantity: 1 }], addressId: s.addressId, voucherCode: v.code }),
      ),
    );
    const row = await voucherRow(v.voucherId);
    expect(row?.budgetTaken).toBeLessThanOrEqual(3500);
    expect(row?.budgetTaken).toBeGreaterThanOrEqual(3000);
    expect(answers.filter((r) => r.status === 201).length).toBe(row?.taken);
    for (const r of answers.filter((x) => x.status !== 201)) {
      expect(["voucher_exhausted", "voucher_not_applicable", "price_changed"]).toContain(r.body.code);
    }
  }, 180_000);
});
