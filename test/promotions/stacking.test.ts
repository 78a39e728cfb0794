/** Stacking (pure): the fixed order, the refusals with their reasons, and exact allocation to lines. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../../shared/platform/errors";
import { type StackInput, stackPromotions, type VoucherOffer } from "../../shared/promotions/stacking";

const NOW = Date.parse("2026-12-02T00:00:00Z");
const HOUR = 3600_000;

function voucher(over: Partial<VoucherOffer> = {}): VoucherOffer {
  return {
    voucherId: "vch_1",
    code: "CODE1",
    scope: "platform",
    shopId: null,
    kind: "fixed",
    value: 1000,
    currency: "CNY",
    maxDiscount: null,
    minSpend: 0,
    categoryPath: null,
    skuIds: null,
    startsAt: NOW - HOUR,
    endsAt: NOW + HOUR,
    usesLeft: 10,
    budgetLeft: null,
    userUsesLeft: 1,
    codeUsed: false,
    ...over,
  };
}

function input(over: Partial<StackInput> = {}): StackInput {
  return {
    currency: "CNY",
    now: NOW,
    orders: [
      {
        shopId: "shp_a",
        lines: [
          { skuId: "a1", lineTotal: 20000, categoryPath: "/1/10/" },
          { skuId: "a2", lineTotal: 10000, categoryPath: "/2/20/" },
        ],
      },
      { shopId: "shp_b", lines: [{ skuId: "b1", lineTotal: 10000, categoryPath: "/1/11/" }] },
    ],
    thresholds: [],
    vouchers: [],
    coins: { requested: 0, balance: 0, maxPercent: 50, currency: "CNY" },
    ...over,
  };
}

const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, reason: (err.extensions as { reason?: string }).reason };
    throw err;
  }
  throw new Error("did not throw");
};

describe("stacking in the fixed order", () => {
  it("applies the best reached tier, then the shop voucher, the platform voucher split by eligible goods, then capped coins", () => {
    const result = stackPromotions(
      input({
        thresholds: [
          {
            id: "thd_1",
            shopId: "shp_a",
            currency: "CNY",
            tiers: [
              { spend: 10000, off: 1000 },
              { spend: 30000, off: 4000 },
            ],
          },
        ],
        vouchers: [
          voucher({
            voucherId: "vch_shop",
            code: "SHOP",
            scope: "shop",
            shopId: "shp_a",
            value: 2000,
            minSpend: 26000,
          }),
          voucher({ voucherId: "vch_pf", code: "PF", kind: "percent", value: 10, maxDiscount: 100000 }),
        ],
        coins: { requested: 1_000_000, balance: 1_000_000, maxPercent: 50, currency: "CNY" },
      }),
    );
    const [a, b] = result.orders;
    // Shop a: 300.00 reaches the 300 tier (−40); the shop voucher needs 260 of what is left (260): −20.
    expect(a?.map((d) => [d.source, d.amount])).toEqual([
      ["threshold", 4000],
      ["shop_voucher", 2000],
      // 10% of the goods left everywhere (240 + 100 = 340): 34.00, split 240:100 → 24.00 and 10.00.
      ["platform_voucher", 2400],
      // Coins: 50% of what is left (216 + 90 = 306): 153.00, split 216:90 → 108.00 and 45.00.
      ["coins", 10800],
    ]);
    expect(b?.map((d) => [d.source, d.amount])).toEqual([
      ["platform_voucher", 1000],
      ["coins", 4500],
    ]);
    expect(result.coinsUsed).toBe(15300);
  });

  it("scopes a voucher to a category subtree and SKUs: only those lines count and get shares", () => {
    const result = stackPromotions(
      input({ vouchers: [voucher({ categoryPath: "/1/", kind: "percent", value: 50, skuIds: ["a1", "a2"] })] }),
    );
    // /1/ covers a1 (/1/10/) and b1 (/1/11/), the SKU list a1 and a2: only a1 is eligible.
    expect(result.orders[0]?.[0]).toMatchObject({ amount: 10000, shares: [10000, 0] });
    expect(result.orders[1]).toEqual([]);
  });

  it.each([
    ["not started", { startsAt: NOW + 1 }, "not_started"],
    ["expired", { endsAt: NOW }, "expired"],
    ["used up", { usesLeft: 0 }, "used_up"],
    ["out of budget", { budgetLeft: 0 }, "used_up"],
    ["a used batch code", { codeUsed: true }, "used_up"],
    ["at the shopper's limit", { userUsesLeft: 0 }, "per_user_limit"],
    ["in another currency", { currency: "USD" }, "out_of_scope"],
    ["below its minimum spend", { minSpend: 40001 }, "min_spend"],
    ["for nothing in the checkout", { skuIds: ["zz"] }, "out_of_scope"],
    ["for a shop not in the checkout", { scope: "shop" as const, shopId: "shp_z" }, "out_of_scope"],
  ])("refuses a voucher %s (422 voucher_not_applicable with the reason)", (_name, over, reason) => {
    expect(reasonOf(() => stackPromotions(input({ vouchers: [voucher(over)] })))).toEqual({
      code: "voucher_not_applicable",
      reason,
    });
  });

  it("compares the minimum spend with what the threshold discount left", () => {
    const thresholds = [{ id: "t", shopId: "shp_a", currency: "CNY", tiers: [{ spend: 30000, off: 5000 }] }];
    const shop = voucher({ scope: "shop", shopId: "shp_a", minSpend: 30000 });
    expect(reasonOf(() => stackPromotions(input({ thresholds, vouchers: [shop] }))).reason).toBe("min_spend");
  });

  it("caps a voucher at its remaining budget and a percent voucher at maxDiscount", () => {
    expect(stackPromotions(input({ vouchers: [voucher({ budgetLeft: 300 })] })).orders[0]?.[0]?.amount).toBe(225);
    const capped = stackPromotions(input({ vouchers: [voucher({ kind: "percent", value: 50, maxDiscount: 777 })] }));
    expect(capped.orders.flat().reduce((acc, d) => acc + d.amount, 0)).toBe(777);
  });

  it("applies a shop's threshold discount and voucher once across the orders its goods split into", () => {
    // One shop's physical goods (¥200) and virtual goods (¥100) make two seller orders.
    const split = input({
      orders: [
        { shopId: "shp_a", lines: [{ skuId: "phys", lineTotal: 20000, categoryPath: "/1/" }] },
        { shopId: "shp_a", lines: [{ skuId: "virt", lineTotal: 10000, categoryPath: "/2/" }] },
      ],
      // Only the shop's ¥300 together reach the 300 tier; neither order does alone.
      thresholds: [{ id: "t", shopId: "shp_a", currency: "CNY", tiers: [{ spend: 30000, off: 3000 }] }],
      // Its minimum (¥250 after the threshold) too: ¥270 together, ¥180 and ¥90 apart.
      vouchers: [voucher({ voucherId: "vs", scope: "shop", shopId: "shp_a", value: 1500, minSpend: 25000 })],
    });
    const [physical, virtual] = stackPromotions(split).orders;
    // ¥30 off split 200:100 → 20 and 10; then ¥15 off split 180:90 → 10 and 5.
    expect(physical?.map((d) => [d.source, d.sourceId, d.amount])).toEqual([
      ["threshold", "t", 2000],
      ["shop_voucher", "vs", 1000],
    ]);
    expect(virtual?.map((d) => [d.source, d.sourceId, d.amount])).toEqual([
      ["threshold", "t", 1000],
      ["shop_voucher", "vs", 500],
    ]);
    // A voucher scoped to the virtual goods' category lands on that order only.
    const scoped = stackPromotions({
      ...split,
      thresholds: [],
      vouchers: [voucher({ voucherId: "vs", scope: "shop", shopId: "shp_a", value: 1500, categoryPath: "/2/" })],
    });
    expect(scoped.orders.map((o) => o.map((d) => d.amount))).toEqual([[], [1500]]);
  });

  it("refuses two platform vouchers or two of one shop (400), and more coins than the balance (409)", () => {
    const two = () => stackPromotions(input({ vouchers: [voucher(), voucher({ voucherId: "vch_2", code: "C2" })] }));
    expect(reasonOf(two).code).toBe("validation_failed");
    const coins = () =>
      stackPromotions(input({ coins: { requested: 101, balance: 100, maxPercent: 50, currency: "CNY" } }));
    expect(reasonOf(coins).code).toBe("insufficient_coins");
  });
});

describe("allocation to lines (largest remainder)", () => {
  const line = fc.record({
    lineTotal: fc.integer({ min: 1, max: 5_000_000 }),
    category: fc.constantFrom("/1/", "/2/"),
  });
  const arbitraryInput = fc
    .record({
      // Each order's shop: shp_0 often has several orders (a checkout split by kind), or none.
      orders: fc.array(
        fc.record({ shop: fc.integer({ min: 0, max: 2 }), lines: fc.array(line, { minLength: 1, maxLength: 6 }) }),
        { minLength: 1, maxLength: 4 },
      ),
      tiers: fc.array(
        fc.record({ spend: fc.integer({ min: 1, max: 10_000_000 }), off: fc.integer({ min: 1, max: 2_000_000 }) }),
        {
          maxLength: 3,
        },
      ),
      shopFixed: fc.integer({ min: 1, max: 3_000_000 }),
      platformPercent: fc.integer({ min: 1, max: 99 }),
      platformCategory: fc.constantFrom(null, "/1/"),
      coins: fc.integer({ min: 0, max: 10_000_000 }),
      maxPercent: fc.integer({ min: 0, max: 100 }),
    })
    .map(
      (g): StackInput =>
        input({
          orders: g.orders.map(({ shop, lines }, i) => ({
            shopId: `shp_${shop}`,
            lines: lines.map((l, j) => ({
              skuId: `s${i}_${j}`,
              lineTotal: l.lineTotal,
              categoryPath: `${l.category}x/`,
            })),
          })),
          thresholds: [
            { id: "t", shopId: "shp_0", currency: "CNY", tiers: [...g.tiers].sort((a, b) => a.spend - b.spend) },
          ],
          vouchers: [
            voucher({ voucherId: "vs", code: "S", scope: "shop", shopId: "shp_0", value: g.shopFixed }),
            ...(g.platformCategory === null || g.orders.some((o) => o.lines.some((l) => l.category === "/1/"))
              ? [voucher({ kind: "percent", value: g.platformPercent, categoryPath: g.platformCategory })]
              : []),
          ],
          coins: { requested: g.coins, balance: g.coins, maxPercent: g.maxPercent, currency: "CNY" },
        }),
    );

  it("gives every discount shares that add up to it exactly, never negative, and never more than a line's total", () => {
    fc.assert(
      fc.property(arbitraryInput, (stack) => {
        // A voucher whose eligible goods earlier steps used up is refused; the rest must still hold.
        let result: ReturnType<typeof stackPromotions>;
        let vouchersKept = true;
        try {
          result = stackPromotions(stack);
        } catch (err) {
          if (!(err instanceof AppError && err.code === "voucher_not_applicable")) throw err;
          result = stackPromotions({ ...stack, vouchers: [] });
          vouchersKept = false;
        }
        stack.orders.forEach((order, i) => {
          const discounts = result.orders[i] ?? [];
          for (const d of discounts) {
            expect(d.shares.reduce((a, b) => a + b, 0)).toBe(d.amount);
            expect(d.shares.every((s) => Number.isInteger(s) && s >= 0)).toBe(true);
          }
          const perLine = order.lines.map((_, j) => discounts.reduce((acc, d) => acc + (d.shares[j] ?? 0), 0));
          for (const [j, l] of order.lines.entries()) expect(perLine[j]).toBeLessThanOrEqual(l.lineTotal);
          // The order's discount is the sum of its lines' discounts.
          expect(perLine.reduce((a, b) => a + b, 0)).toBe(discounts.reduce((acc, d) => acc + d.amount, 0));
        });
        const total = (source: string) =>
          result.orders.flat().reduce((acc, d) => acc + (d.source === source ? d.amount : 0), 0);
        expect(total("coins")).toBe(result.coinsUsed);
        // shp_0's threshold and voucher apply once to all its goods, however many orders they make.
        const tiers = stack.thresholds[0]?.tiers ?? [];
        const shopGoods = stack.orders
          .filter((o) => o.shopId === "shp_0")
          .reduce((acc, o) => acc + o.lines.reduce((a, l) => a + l.lineTotal, 0), 0);
        const off = Math.min(tiers.filter((t) => t.spend <= shopGoods).at(-1)?.off ?? 0, shopGoods);
        expect(total("threshold")).toBe(off);
        const shopVoucher = stack.vouchers.find((v) => v.scope === "shop");
        if (vouchersKept && shopVoucher) {
          expect(total("shop_voucher")).toBe(Math.min(shopVoucher.value, shopGoods - off));
        }
      }),
      { numRuns: 300 },
    );
  });
});
