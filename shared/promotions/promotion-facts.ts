/**
 * What stacking reads for one checkout: the vouchers its codes name (with their uses, budget and
 * this shopper's uses left), the running threshold discounts of its shops, the category paths of
 * its SKUs and of category-scoped vouchers, and the shopper's coins; then the pure stacking
 * (stacking.ts) on the checkout's draft orders.
 */
import { and, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { thresholdDiscounts, voucherCodes, vouchers, voucherUses } from "../../db/schema";
import { categoryPaths } from "../catalog/structure";
import type { DiscountRule } from "../checkout/pricing";
import type { Db } from "../platform/db";
import { COINS_CURRENCY, coinBalance } from "./coins";
import { DEFAULT_PROMOTION_SETTINGS, type PromotionSettings } from "./settings";
import {
  notApplicable,
  type StackOrder,
  type StackResult,
  stackPromotions,
  type ThresholdOffer,
  type VoucherOffer,
} from "./stacking";

/** The codes and coins a checkout asks for. */
export interface PromotionRequest {
  voucherCode?: string | undefined;
  voucherCodes?: string[] | undefined;
  coins?: number | undefined;
}

export interface PromotionFacts {
  vouchers: VoucherOffer[];
  thresholds: ThresholdOffer[];
  categoryPaths: Map<number, string>;
  coinBalance: number;
  coinsRequested: number;
  coinsMaxPercent: number;
  now: number;
}

/** The distinct codes of a request (upper-cased, as they are stored). */
export function codesOf(request: PromotionRequest): string[] {
  const codes = [...(request.voucherCodes ?? []), ...(request.voucherCode ? [request.voucherCode] : [])];
  return [...new Set(codes.map((c) => c.trim().toUpperCase()))];
}

/** Reads the promotion facts of a checkout by `userId` over `shopIds` and SKU `categoryIds`. */
export async function loadPromotionFacts(
  db: Db,
  input: { userId: string; request: PromotionRequest; shopIds: string[]; categoryIds: number[]; now: number },
  settings: PromotionSettings,
): Promise<PromotionFacts> {
  const codes = codesOf(input.request);
  const { now } = input;
  const [offers, thresholds, balance] = await Promise.all([
    codes.length === 0 ? Promise.resolve([]) : voucherOffers(db, codes, input.userId),
    input.shopIds.length === 0
      ? Promise.resolve([])
      : db
          .select()
          .from(thresholdDiscounts)
          .where(
            and(
              inArray(thresholdDiscounts.shopId, input.shopIds.slice(0, 90)),
              lte(thresholdDiscounts.startsAt, now),
              gt(thresholdDiscounts.endsAt, now),
            ),
          )
          .orderBy(thresholdDiscounts.createdAt, thresholdDiscounts.id),
    (input.request.coins ?? 0) > 0 ? coinBalance(db, input.userId) : Promise.resolve(0),
  ]);
  const voucherCategories = offers.flatMap((o) => (o.categoryId === null ? [] : [o.categoryId]));
  // Lines' category paths matter only to a voucher scoped to a category subtree (stacking.ts), so
  // a checkout without one skips the read: one D1 round trip fewer on the common order path.
  const paths =
    voucherCategories.length === 0
      ? new Map<number, string>()
      : await categoryPaths(db, [...input.categoryIds, ...voucherCategories]);
  return {
    vouchers: offers.map(({ categoryId, ...o }) => ({
      ...o,
      categoryPath: categoryId === null ? null : (paths.get(categoryId) ?? `/missing-${categoryId}/`),
    })),
    thresholds: thresholds.map((t) => ({
      id: t.id,
      shopId: t.shopId,
      currency: t.currency,
      tiers: JSON.parse(t.tiers) as ThresholdOffer["tiers"],
    })),
    categoryPaths: paths,
    coinBalance: balance,
    coinsRequested: input.request.coins ?? 0,
    coinsMaxPercent: settings.coinsMaxPercent,
    now,
  };
}

/**
 * The vouchers behind `codes`; an unknown code is 422 `voucher_not_applicable` (out_of_scope).
 * A code works at checkout whether or not the shopper claimed it (claiming lists a voucher in the
 * wallet; the limits count uses), except a batch code another shopper claimed, which is theirs.
 */
async function voucherOffers(db: Db, codes: string[], userId: string) {
  const rows = await db
    .select({ code: voucherCodes.code, claimedBy: voucherCodes.claimedBy, voucher: vouchers })
    .from(voucherCodes)
    .innerJoin(vouchers, eq(vouchers.id, voucherCodes.voucherId))
    .where(inArray(voucherCodes.code, codes));
  const unknown = codes.find((c) => !rows.some((r) => r.code === c));
  if (unknown) throw notApplicable(unknown, "out_of_scope", `No voucher has the code ${unknown}`);
  const theirs = rows.find((r) => r.claimedBy !== null && r.claimedBy !== userId);
  if (theirs) throw notApplicable(theirs.code, "out_of_scope", `Code ${theirs.code} was claimed by another shopper`);
  const ids = rows.map((r) => r.voucher.id);
  const [mine, usedCodes] = await Promise.all([
    db
      .select({ voucherId: voucherUses.voucherId, n: sql<number>`count(*)`.mapWith(Number) })
      .from(voucherUses)
      .where(
        and(
          inArray(voucherUses.voucherId, ids),
          eq(voucherUses.userId, userId),
          inArray(voucherUses.status, ["held", "consumed"]),
        ),
      )
      .groupBy(voucherUses.voucherId),
    db
      .select({ code: voucherUses.code })
      .from(voucherUses)
      .where(and(inArray(voucherUses.code, codes), inArray(voucherUses.status, ["held", "consumed"]))),
  ]);
  return rows.map(({ code, voucher: v }) => ({
    voucherId: v.id,
    code,
    scope: v.scope,
    shopId: v.shopId,
    kind: v.kind,
    value: v.value,
    currency: v.currency,
    maxDiscount: v.maxDiscount,
    minSpend: v.minSpend,
    categoryId: v.categoryId,
    skuIds: v.skuIds ? (JSON.parse(v.skuIds) as string[]) : null,
    startsAt: v.startsAt,
    endsAt: v.endsAt,
    usesLeft: v.totalCount - v.taken,
    budgetLeft: v.budget === null ? null : v.budget - v.budgetTaken,
    userUsesLeft: v.perUserLimit - (mine.find((m) => m.voucherId === v.id)?.n ?? 0),
    codeUsed: v.codeMode === "batch" && usedCodes.some((u) => u.code === code),
  }));
}

/** Stacks the facts' promotions on draft orders of `currency` (lines carry their category id). */
export function stackWithFacts(
  facts: PromotionFacts,
  currency: string,
  orders: { shopId: string; lines: { skuId: string; lineTotal: number; categoryId: number }[] }[],
): StackResult {
  const stackOrders: StackOrder[] = orders.map((o) => ({
    shopId: o.shopId,
    lines: o.lines.map((l) => ({
      skuId: l.skuId,
      lineTotal: l.lineTotal,
      categoryPath: facts.categoryPaths.get(l.categoryId) ?? "",
    })),
  }));
  return stackPromotions({
    currency,
    now: facts.now,
    orders: stackOrders,
    thresholds: facts.thresholds,
    vouchers: facts.vouchers,
    coins: {
      requested: facts.coinsRequested,
      balance: facts.coinBalance,
      maxPercent: facts.coinsMaxPercent,
      currency: COINS_CURRENCY,
    },
  });
}

/** The promotion facts of a checkout whose SKUs (their shops and categories) are known. */
export function loadCheckoutPromotions(
  db: Db,
  input: {
    userId: string;
    request: PromotionRequest;
    skus: Iterable<{ shopId: string; categoryId: number }>;
    now: number;
  },
  settings: PromotionSettings = DEFAULT_PROMOTION_SETTINGS,
): Promise<PromotionFacts> {
  const skus = [...input.skus];
  return loadPromotionFacts(
    db,
    {
      userId: input.userId,
      request: input.request,
      shopIds: [...new Set(skus.map((s) => s.shopId))],
      categoryIds: [...new Set(skus.map((s) => s.categoryId))],
      now: input.now,
    },
    settings,
  );
}

/** The checkout's promotions slot (pricing.ts) filled from `facts`: thresholds, vouchers, coins. */
export function promotionsRule(facts: PromotionFacts): DiscountRule {
  return (drafts, _body, currency) =>
    stackWithFacts(
      facts,
      currency,
      drafts.map((d) => ({
        shopId: d.shopId,
        lines: d.lines.map((l) => ({ skuId: l.skuId, lineTotal: l.lineTotal, categoryId: l.fact.categoryId })),
      })),
    );
}
