/**
 * What stacking reads for one checkout: the vouchers its codes name (with their uses, budget and
 * this shopper's uses left), the running threshold discounts of its shops, the category paths of
 * its SKUs and of category-scoped vouchers, and the shopper's coins, all as reads lent to the
 * checkout facts' D1 batch (checkout-facts.ts); then the pure stacking (stacking.ts) on the
 * checkout's draft orders.
 */
import { and, eq, gt, inArray, lte, or, sql } from "drizzle-orm";
import { categories, products, skus, thresholdDiscounts, voucherCodes, vouchers, voucherUses } from "../../db/schema";
import type { DiscountRule } from "../checkout/pricing";
import { type BatchRead, batchRead, inChunks, inKeys, type KeySet } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { balanceOf, COINS_CURRENCY, coinBalanceRead } from "./coins";
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

/** A voucher behind one of the request's codes, before its category is resolved to a path. */
type VoucherRow = Omit<VoucherOffer, "categoryPath"> & { categoryId: number | null };

/**
 * What promotions a checkout's request may use, read in the checkout facts' D1 batch (no round
 * trip of their own): the vouchers its codes name with their uses, the running threshold
 * discounts of its shops, the category paths a category-scoped voucher needs, and the shopper's
 * coins. Pricing turns them into `PromotionFacts` (`promotionFactsOf`).
 */
export interface CheckoutOffers {
  vouchers: VoucherRow[];
  thresholds: ThresholdOffer[];
  categoryPaths: Map<number, string>;
  coinBalance: number;
}

/**
 * The reads behind `CheckoutOffers` for the caller's batch. Codes, SKUs and shops are keys, so
 * every statement is keyed by what the request names (subqueries for the vouchers' ids and the
 * SKUs' categories); a request without codes or coins reads only its shops' thresholds.
 */
export function checkoutOffersRead(
  db: Db,
  input: { userId: string; request: PromotionRequest; skuIds: readonly string[]; shops: KeySet; now: number },
): BatchRead<CheckoutOffers> {
  const codes = codesOf(input.request);
  const { now, userId } = input;
  const byCode = codes.length > 0;
  const voucherIds = db
    .select({ id: voucherCodes.voucherId })
    .from(voucherCodes)
    .where(inArray(voucherCodes.code, codes));
  // The SKUs' categories and the codes' vouchers' categories: only a category-scoped voucher
  // reads paths (stacking.ts), and only a request with codes can have one.
  const skuCategories = (chunk: string[]) =>
    db
      .select({ id: products.categoryId })
      .from(products)
      .where(inArray(products.id, db.select({ id: skus.productId }).from(skus).where(inArray(skus.id, chunk))));
  const voucherCategories = db
    .select({ id: vouchers.categoryId })
    .from(vouchers)
    .where(inArray(vouchers.id, voucherIds));
  return batchRead(
    [
      byCode
        ? [
            db
              .select({ code: voucherCodes.code, claimedBy: voucherCodes.claimedBy, voucher: vouchers })
              .from(voucherCodes)
              .innerJoin(vouchers, eq(vouchers.id, voucherCodes.voucherId))
              .where(inArray(voucherCodes.code, codes)),
          ]
        : [],
      byCode
        ? [
            db
              .select({ voucherId: voucherUses.voucherId, n: sql<number>`count(*)`.mapWith(Number) })
              .from(voucherUses)
              .where(
                and(
                  inArray(voucherUses.voucherId, voucherIds),
                  eq(voucherUses.userId, userId),
                  inArray(voucherUses.status, ["held", "consumed"]),
                ),
              )
              .groupBy(voucherUses.voucherId),
          ]
        : [],
      byCode
        ? [
            db
              .select({ usedCode: voucherUses.code })
              .from(voucherUses)
              .where(and(inArray(voucherUses.code, codes), inArray(voucherUses.status, ["held", "consumed"]))),
          ]
        : [],
      byCode
        ? inChunks([...input.skuIds], (chunk) =>
            db
              .select({ id: categories.id, path: categories.path })
              .from(categories)
              .where(or(inArray(categories.id, skuCategories(chunk)), inArray(categories.id, voucherCategories))),
          )
        : [],
      inKeys(input.shops, (set) =>
        db
          .select()
          .from(thresholdDiscounts)
          .where(
            and(
              inArray(thresholdDiscounts.shopId, set),
              lte(thresholdDiscounts.startsAt, now),
              gt(thresholdDiscounts.endsAt, now),
            ),
          ),
      ),
      (input.request.coins ?? 0) > 0 ? [coinBalanceRead(db, userId)] : [],
    ],
    ([rows, mine, usedCodes, paths, thresholds, balance]) => ({
      vouchers: voucherRowsOf(codes, userId, rows, mine, usedCodes),
      thresholds: thresholds
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((t) => ({
          id: t.id,
          shopId: t.shopId,
          currency: t.currency,
          tiers: JSON.parse(t.tiers) as ThresholdOffer["tiers"],
        })),
      categoryPaths: new Map(paths.map((r) => [r.id, r.path])),
      coinBalance: balanceOf(balance),
    }),
  );
}

/**
 * The vouchers behind `codes`; an unknown code is 422 `voucher_not_applicable` (out_of_scope).
 * A code works at checkout whether or not the shopper claimed it (claiming lists a voucher in the
 * wallet; the limits count uses), except a batch code another shopper claimed, which is theirs.
 */
function voucherRowsOf(
  codes: string[],
  userId: string,
  rows: { code: string; claimedBy: string | null; voucher: typeof vouchers.$inferSelect }[],
  mine: { voucherId: string; n: number }[],
  usedCodes: { usedCode: string | null }[],
): VoucherRow[] {
  const unknown = codes.find((c) => !rows.some((r) => r.code === c));
  if (unknown) throw notApplicable(unknown, "out_of_scope", `No voucher has the code ${unknown}`);
  const theirs = rows.find((r) => r.claimedBy !== null && r.claimedBy !== userId);
  if (theirs) throw notApplicable(theirs.code, "out_of_scope", `Code ${theirs.code} was claimed by another shopper`);
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
    codeUsed: v.codeMode === "batch" && usedCodes.some((u) => u.usedCode === code),
  }));
}

/** The promotion facts stacking works on, from the offers the checkout's batch read. */
export function promotionFactsOf(
  offers: CheckoutOffers,
  request: PromotionRequest,
  now: number,
  settings: PromotionSettings = DEFAULT_PROMOTION_SETTINGS,
): PromotionFacts {
  const paths = offers.categoryPaths;
  return {
    vouchers: offers.vouchers.map(({ categoryId, ...o }) => ({
      ...o,
      categoryPath: categoryId === null ? null : (paths.get(categoryId) ?? `/missing-${categoryId}/`),
    })),
    thresholds: offers.thresholds,
    categoryPaths: paths,
    coinBalance: offers.coinBalance,
    coinsRequested: request.coins ?? 0,
    coinsMaxPercent: settings.coinsMaxPercent,
    now,
  };
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
