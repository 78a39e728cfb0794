/**
 * Stacking promotions on a checkout (API.md "Promotions"), pure. Applied in a fixed order, each
 * step on what the earlier ones left of the goods (never of shipping):
 *
 *   1. threshold discounts (满减): per shop, for each running one, the best tier whose `spend`
 *      the shop's goods reach;
 *   2. the shop voucher of each shop (at most one per shop), over its eligible goods;
 *   3. the platform voucher (at most one per checkout), over its eligible goods in every order;
 *   4. coins: at most COINS_MAX_PERCENT of the goods left after 1–3.
 *
 * A shop's goods can make more than one seller order (a checkout split by kind: physical and
 * virtual goods of one shop are two orders). A shop's threshold discount and voucher still apply
 * once, to all its goods, and like the platform voucher and the coins each discount is split
 * between the orders it covers in proportion to what is left of their (eligible) goods, by the
 * same largest remainder as below; then within each order over its lines.
 *
 * A voucher's `minSpend` is compared with its eligible goods as the earlier steps left them, so
 * a threshold discount and a voucher never both count the same money toward their minimums.
 *
 * Allocation to lines (优惠分摊): every discount is split over the lines it applies to (its
 * eligible lines; all lines for thresholds and coins) in proportion to what is left of each line
 * after the earlier discounts, by the largest-remainder method (`allocate` in money.ts): each
 * line gets floor(amount × left / eligibleLeft), and the units still missing go one each to the
 * lines with the largest remainders, ties to the earlier line. Since a discount never exceeds
 * `eligibleLeft`, no share exceeds ceil(amount × left / eligibleLeft) ≤ left: a line's discounts
 * never exceed its total and never go negative, and the shares of each discount add up to it
 * exactly, so a refund of any lines returns exactly what was paid for them.
 */
import { AppError } from "../platform/errors";
import { allocate } from "../platform/money";
import { invalidField } from "../platform/validation";

export const DISCOUNT_SOURCES = ["threshold", "shop_voucher", "platform_voucher", "coins"] as const;
export type DiscountSource = (typeof DISCOUNT_SOURCES)[number];

/** Why a voucher does not apply (the `reason` of 422 `voucher_not_applicable`). */
export type NotApplicableReason =
  | "min_spend"
  | "expired"
  | "not_started"
  | "out_of_scope"
  | "used_up"
  | "per_user_limit";

/** One line as stacking sees it. */
export interface StackLine {
  skuId: string;
  lineTotal: number;
  /** The SKU's category path (`/1/1003/1003001/`), for category-scoped vouchers. */
  categoryPath: string;
}

/** One seller order before promotions. */
export interface StackOrder {
  shopId: string;
  lines: StackLine[];
}

/** A running threshold discount of a shop. */
export interface ThresholdOffer {
  id: string;
  shopId: string;
  currency: string;
  tiers: { spend: number; off: number }[];
}

/** A voucher named by a code, with what limits it now. */
export interface VoucherOffer {
  voucherId: string;
  code: string;
  scope: "platform" | "shop";
  shopId: string | null;
  kind: "fixed" | "percent";
  value: number;
  currency: string;
  maxDiscount: number | null;
  minSpend: number;
  /** The category path whose subtree is eligible, when scoped to a category. */
  categoryPath: string | null;
  skuIds: string[] | null;
  startsAt: number;
  endsAt: number;
  /** Uses left (total − taken), budget left (null: no budget), the shopper's uses left. */
  usesLeft: number;
  budgetLeft: number | null;
  userUsesLeft: number;
  /** A batch code already used by another checkout. */
  codeUsed: boolean;
}

export interface StackInput {
  currency: string;
  now: number;
  orders: StackOrder[];
  thresholds: ThresholdOffer[];
  vouchers: VoucherOffer[];
  coins: { requested: number; balance: number; maxPercent: number; currency: string };
}

/** One discount of one order, with each line's share (by line index). */
export interface OrderDiscount {
  source: DiscountSource;
  /** The voucher or threshold discount it came from; null for coins. */
  sourceId: string | null;
  amount: number;
  shares: number[];
}

export interface StackResult {
  /** Per order (in input order), its discounts in the order they were applied. */
  orders: OrderDiscount[][];
  coinsUsed: number;
}

/** 422 `voucher_not_applicable` naming the code and the reason. */
export function notApplicable(code: string, reason: NotApplicableReason, detail: string): AppError {
  return new AppError("voucher_not_applicable", { detail, extensions: { voucherCode: code, reason } });
}

/** Applies thresholds, vouchers and coins to `input.orders` in the fixed order above. */
export function stackPromotions(input: StackInput): StackResult {
  // What is left of each line after the discounts applied so far.
  const left = input.orders.map((o) => o.lines.map((l) => l.lineTotal));
  const result: OrderDiscount[][] = input.orders.map(() => []);
  const apply = (i: number, d: Omit<OrderDiscount, "shares">, eligible: boolean[]) => {
    const weights = (left[i] ?? []).map((v, j) => (eligible[j] ? v : 0));
    const shares = allocate(d.amount, weights);
    shares.forEach((s, j) => {
      (left[i] as number[])[j] = (left[i]?.[j] ?? 0) - s;
    });
    result[i]?.push({ ...d, shares });
  };
  const sumOf = (i: number, eligible: boolean[]) =>
    (left[i] ?? []).reduce((acc, v, j) => acc + (eligible[j] ? v : 0), 0);

  /**
   * Splits a discount worth `amountOf(base)` (base: the eligible goods left in the orders `indices`)
   * between those orders in proportion to their eligible goods, each share over its lines.
   */
  const applyAcross = (
    indices: number[],
    d: { source: DiscountSource; sourceId: string | null },
    eligibleOf: (i: number) => boolean[],
    amountOf: (base: number) => number,
  ) => {
    const bases = indices.map((i) => sumOf(i, eligibleOf(i)));
    const amount = amountOf(bases.reduce((a, b) => a + b, 0));
    allocate(amount, bases).forEach((share, k) => {
      const i = indices[k] as number;
      if (share > 0) apply(i, { ...d, amount: share }, eligibleOf(i));
    });
  };
  const everyOrder = input.orders.map((_, i) => i);
  const ordersOfShop = (shopId: string | null) => everyOrder.filter((i) => input.orders[i]?.shopId === shopId);
  const shops = [...new Set(input.orders.map((o) => o.shopId))];
  const allOf = (i: number) => (input.orders[i]?.lines ?? []).map(() => true);

  // 1. Threshold discounts, per shop over all its orders.
  for (const shopId of shops) {
    const indices = ordersOfShop(shopId);
    for (const t of input.thresholds.filter((t) => t.shopId === shopId && t.currency === input.currency)) {
      applyAcross(indices, { source: "threshold", sourceId: t.id }, allOf, (goods) =>
        Math.min(t.tiers.filter((tier) => tier.spend <= goods).at(-1)?.off ?? 0, goods),
      );
    }
  }

  // 2–3. Vouchers: each checked, at most one per shop and one for the platform.
  const platform = input.vouchers.filter((v) => v.scope === "platform");
  if (platform.length > 1) throw invalidField("voucherCodes", "may name at most one platform voucher");
  const byShop = new Map<string, VoucherOffer>();
  for (const v of input.vouchers.filter((v) => v.scope === "shop")) {
    if (byShop.has(v.shopId ?? ""))
      throw invalidField("voucherCodes", `may name at most one voucher of shop ${v.shopId}`);
    byShop.set(v.shopId ?? "", v);
  }
  for (const v of input.vouchers) assertUsable(v, input);
  const eligibleFor = (v: VoucherOffer) => (i: number) => (input.orders[i]?.lines ?? []).map((l) => inScope(v, l));
  for (const v of byShop.values()) {
    const indices = ordersOfShop(v.shopId);
    if (indices.length === 0)
      throw notApplicable(v.code, "out_of_scope", `Voucher ${v.code} is for a shop with nothing in this checkout`);
    applyAcross(indices, { source: "shop_voucher", sourceId: v.voucherId }, eligibleFor(v), (base) =>
      voucherAmount(v, base),
    );
  }
  const pv = platform[0];
  if (pv) {
    applyAcross(everyOrder, { source: "platform_voucher", sourceId: pv.voucherId }, eligibleFor(pv), (base) =>
      voucherAmount(pv, base),
    );
  }

  // 4. Coins, capped at maxPercent of what is left of the goods.
  const { coins } = input;
  let coinsUsed = 0;
  if (coins.requested > 0) {
    if (coins.currency !== input.currency) {
      throw invalidField("coins", `coins are spent on checkouts in ${coins.currency} only`);
    }
    if (coins.requested > coins.balance) {
      throw new AppError("insufficient_coins", {
        detail: `You have ${coins.balance} coins; this checkout asks to spend ${coins.requested}`,
        extensions: { balance: coins.balance, requested: coins.requested },
      });
    }
    applyAcross(everyOrder, { source: "coins", sourceId: null }, allOf, (goodsLeft) => {
      coinsUsed = Math.min(coins.requested, Math.floor((goodsLeft * coins.maxPercent) / 100));
      return coinsUsed;
    });
  }
  return { orders: result, coinsUsed };
}

/** Refuses a voucher that cannot be used now, by this shopper, in this checkout's currency. */
function assertUsable(v: VoucherOffer, input: StackInput): void {
  if (input.now < v.startsAt) {
    throw notApplicable(v.code, "not_started", `Voucher ${v.code} starts at ${new Date(v.startsAt).toISOString()}`);
  }
  if (input.now >= v.endsAt) {
    throw notApplicable(v.code, "expired", `Voucher ${v.code} expired at ${new Date(v.endsAt).toISOString()}`);
  }
  if (v.usesLeft <= 0 || v.codeUsed || (v.budgetLeft !== null && v.budgetLeft <= 0)) {
    throw notApplicable(v.code, "used_up", `Voucher ${v.code} has been used up`);
  }
  if (v.userUsesLeft <= 0) {
    throw notApplicable(v.code, "per_user_limit", `You have used voucher ${v.code} as often as it allows`);
  }
  if (v.currency !== input.currency) {
    throw notApplicable(v.code, "out_of_scope", `Voucher ${v.code} is for checkouts in ${v.currency}`);
  }
}

/** Whether `line` is among the voucher's eligible goods. */
function inScope(v: VoucherOffer, line: StackLine): boolean {
  if (v.skuIds && !v.skuIds.includes(line.skuId)) return false;
  if (v.categoryPath && !line.categoryPath.startsWith(v.categoryPath)) return false;
  return true;
}

/** What the voucher takes off eligible goods worth `base` (after earlier discounts); refuses below its minimum. */
function voucherAmount(v: VoucherOffer, base: number): number {
  if (base <= 0)
    throw notApplicable(v.code, "out_of_scope", `Nothing in this checkout is eligible for voucher ${v.code}`);
  if (base < v.minSpend) {
    throw notApplicable(
      v.code,
      "min_spend",
      `Voucher ${v.code} needs eligible goods of at least ${v.minSpend} minor units; this checkout has ${base}`,
    );
  }
  let amount = v.kind === "fixed" ? v.value : Math.floor((base * v.value) / 100);
  if (v.maxDiscount !== null) amount = Math.min(amount, v.maxDiscount);
  if (v.budgetLeft !== null) amount = Math.min(amount, v.budgetLeft);
  return Math.min(amount, base);
}
