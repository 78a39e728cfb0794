/**
 * Checkout pricing (如何计算订单的总价), pure: the shopper's items split into one order per
 * seller (and category type), each priced as goods − discounts + shipping, from the facts
 * checkout-facts.ts read. No I/O, so it is unit-tested on its own (test/checkout/pricing.test.ts).
 *
 * Discount allocation (优惠分摊): an order-level discount is split over the order's lines in
 * proportion to their line totals with the largest-remainder method (`allocate` in
 * shared/platform/money.ts): every line gets floor(discount × line / goods) minor units, and the
 * units left over go one each to the lines with the largest remainders, ties to the earlier
 * line. The shares sum exactly to the discount, so a refund of any set of lines returns exactly
 * what was paid for them. Each promotion (threshold, vouchers, coins) is allocated on its own,
 * over the lines it applies to, by that rule (shared/promotions/stacking.ts writes it down).
 */
import { z } from "zod";
import { PRODUCT_STATUS } from "../catalog/lifecycle";
import { AppError } from "../platform/errors";
import { type Currency, moneySchema } from "../platform/money";
import { invalidField, invalidFields } from "../platform/validation";
import type { OrderDiscount } from "../promotions/stacking";
import type { CheckoutFacts, SkuFact } from "./checkout-facts";
import { rechargeTargetSchema, resolveRechargeTargets } from "./recharge-target";
import { type ShippingTemplate, templateForCurrency } from "./shipping";
import { type CategoryKind, strategyOf } from "./strategies";

/** The most lines one checkout may list. */
export const MAX_CHECKOUT_LINES = 50;

/** A checkout's items: 1 to MAX_CHECKOUT_LINES lines, each SKU once. */
export const checkoutItemsSchema = z
  .array(
    z
      .object({
        skuId: z.string().min(1).max(64),
        quantity: z.number().int().min(1).max(999),
        rechargeTarget: rechargeTargetSchema.optional(),
      })
      .strict(),
  )
  .min(1, "must list at least one item")
  .max(MAX_CHECKOUT_LINES)
  .refine((items) => new Set(items.map((i) => i.skuId)).size === items.length, "must not list a SKU twice");

/** What a quote (and an order without a quote token) is priced from. */
export const quoteBody = z
  .object({
    items: checkoutItemsSchema,
    addressId: z.string().min(1).max(64).optional().describe("Required when any item ships"),
    voucherCode: z.string().trim().min(1).max(64).optional().describe("A voucher code to apply (promotions)"),
    voucherCodes: z
      .array(z.string().trim().min(1).max(64))
      .max(10)
      .optional()
      .describe("Voucher codes: at most one platform voucher and one voucher per shop"),
    coins: z
      .number()
      .int()
      .min(0)
      .max(100_000_000)
      .optional()
      .describe("Coins to spend (1 coin = 1 fen), at most COINS_MAX_PERCENT of the goods after discounts"),
  })
  .strict();
export type QuoteBody = z.infer<typeof quoteBody>;

const lineSchema = z.object({
  skuId: z.string(),
  productId: z.string(),
  name: z.string(),
  quantity: z.number().int(),
  unitPrice: moneySchema,
  lineTotal: moneySchema,
  discount: moneySchema.describe("This line's exact share of the order's discounts"),
  rechargeTarget: z.string().nullable().describe("Virtual goods: the phone number the top-up goes to; null otherwise"),
});

/** The wire form of one priced order (see `quoteOrdersView`). */
export const quoteOrderSchema = z.object({
  sellerId: z.string().describe("The seller's shop id"),
  kind: z.enum(["physical", "virtual"]),
  items: z.array(lineSchema),
  subtotal: moneySchema,
  shippingFee: moneySchema,
  discount: moneySchema,
  discounts: z
    .array(
      z.object({
        source: z.enum(["threshold", "shop_voucher", "platform_voucher", "coins"]),
        amount: moneySchema,
        voucherId: z.string().optional(),
        thresholdDiscountId: z.string().optional(),
      }),
    )
    .describe(
      "The order's discounts in the order they applied: threshold (满减), shop voucher, platform voucher, coins",
    ),
  total: moneySchema,
});

/** One priced line; `discount` is its exact share of the order's discount. */
export interface QuoteLine {
  skuId: string;
  productId: string;
  name: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
  discount: number;
  /** Virtual goods: the phone number to top up (recharge-target.ts); null for goods that ship. */
  rechargeTarget: string | null;
  fact: SkuFact;
}

/** One order of a checkout: one seller's goods of one category kind. */
export interface QuoteOrder {
  shopId: string;
  kind: CategoryKind;
  lines: QuoteLine[];
  subtotal: number;
  shippingFee: number;
  discount: number;
  /** Its discounts by source, each with every line's share (shared/promotions/stacking.ts). */
  discounts: OrderDiscount[];
  total: number;
}

/** A priced checkout: its orders and what the shopper pays in all. */
export interface Quote {
  currency: Currency;
  orders: QuoteOrder[];
  /** Coins spent on it (spread over its orders as `coins` discounts). */
  coinsUsed: number;
  payable: number;
  address: CheckoutFacts["address"] | null;
}

/** A draft order: priced goods before promotions and shipping. */
export type DraftOrder = Omit<QuoteOrder, "discount" | "discounts" | "total">;

/** What the promotions slot answers: each draft order's discounts (with line shares), and the coins spent. */
export interface PromotionOutcome {
  orders: OrderDiscount[][];
  coinsUsed: number;
}

/**
 * The promotions slot, without promotion facts: no code is valid and no order is discounted.
 * Checkout and order creation pass the rule of shared/promotions (thresholds, vouchers, coins).
 */
export function orderDiscounts(orders: readonly DraftOrder[], body: QuoteBody): PromotionOutcome {
  if (body.voucherCode !== undefined) throw invalidField("voucherCode", "is not a valid voucher");
  if (body.voucherCodes?.length) throw invalidField("voucherCodes", "are not valid vouchers");
  if (body.coins) throw invalidField("coins", "coin redemption is not available");
  return { orders: orders.map(() => []), coinsUsed: 0 };
}

/** How the promotions slot is called: the draft orders, the request, the checkout's currency. */
export type DiscountRule = (orders: readonly DraftOrder[], body: QuoteBody, currency: Currency) => PromotionOutcome;

/** Prices a checkout from its facts: validation, split per seller and kind, discounts, shipping. */
export function priceCheckout(
  facts: CheckoutFacts,
  body: QuoteBody,
  discountRule: DiscountRule = orderDiscounts,
): Quote {
  const missing = body.items.flatMap((item, i) =>
    facts.skus.has(item.skuId) ? [] : [{ field: `items.${i}.skuId`, reason: "no such SKU" }],
  );
  if (missing.length > 0) throw invalidFields(missing);
  const lines = body.items.map((item) => {
    const fact = facts.skus.get(item.skuId) as SkuFact;
    // SOLD_OUT is the projection's word, which may lag the SKU's object (a hold just released);
    // such items stay orderable and the object's reservation decides.
    if (fact.productStatus !== PRODUCT_STATUS.ON_SHELF && fact.productStatus !== PRODUCT_STATUS.SOLD_OUT) {
      throw new AppError("product_unavailable", {
        detail: `SKU ${item.skuId} is not on sale`,
        extensions: { skuId: item.skuId },
      });
    }
    if (!fact.price) {
      throw new AppError("product_unavailable", {
        detail: `SKU ${item.skuId} has no price`,
        extensions: { skuId: item.skuId },
      });
    }
    return { item, fact, price: fact.price };
  });
  const currency = lines[0]?.price.currency as Currency;
  if (lines.some((l) => l.price.currency !== currency)) {
    const byCurrency: Record<string, string[]> = {};
    for (const l of lines) byCurrency[l.price.currency] = [...(byCurrency[l.price.currency] ?? []), l.item.skuId];
    throw new AppError("mixed_currencies", {
      detail: `All items of a checkout must be priced in one currency; these are in ${Object.entries(byCurrency)
        .map(([c, skus]) => `${c} (${skus.join(", ")})`)
        .join(" and ")}`,
      extensions: { skusByCurrency: byCurrency },
    });
  }
  const needsAddress = lines.some((l) => strategyOf(l.fact.kind).requiresAddress);
  if (needsAddress && !body.addressId) throw invalidField("addressId", "is required for goods that ship");
  if (body.addressId && !facts.address) throw invalidField("addressId", "is not one of your addresses");
  const recharge = resolveRechargeTargets(
    lines.map((l) => ({ kind: l.fact.kind, rechargeTarget: l.item.rechargeTarget })),
    facts.user?.phone ?? null,
  );
  if (!recharge.ok) throw invalidFields(recharge.errors);

  const groups = new Map<string, DraftOrder>();
  for (const [i, { item, fact, price }] of lines.entries()) {
    const key = `${fact.shopId}|${fact.kind}`;
    const group = groups.get(key) ?? {
      shopId: fact.shopId,
      kind: fact.kind,
      lines: [],
      subtotal: 0,
      shippingFee: 0,
    };
    const lineTotal = price.amount * item.quantity;
    group.lines.push({
      skuId: item.skuId,
      productId: fact.productId,
      name: `${fact.productName} ${fact.skuName}`.trim(),
      quantity: item.quantity,
      unitPrice: price.amount,
      lineTotal,
      discount: 0,
      rechargeTarget: recharge.targets[i] ?? null,
      fact,
    });
    group.subtotal += lineTotal;
    groups.set(key, group);
  }
  const drafts = [...groups.values()];
  const promotions = discountRule(drafts, body, currency);
  const orders = drafts.map((draft, i): QuoteOrder => {
    const discounts = promotions.orders[i] ?? [];
    const lines = draft.lines.map((l, j) => ({
      ...l,
      discount: discounts.reduce((acc, d) => acc + (d.shares[j] ?? 0), 0),
    }));
    const discount = lines.reduce((acc, l) => acc + l.discount, 0);
    const strategy = strategyOf(draft.kind);
    const template = templateForCurrency(facts.templates.get(draft.shopId) as ShippingTemplate, currency);
    const parcel = facts.address
      ? {
          weightGrams: lines.reduce((acc, l) => acc + l.fact.weightGrams * l.quantity, 0),
          goodsAmount: draft.subtotal - discount,
          currency,
          destination: { country: facts.address.country, province: facts.address.province },
        }
      : null;
    const shippingFee = strategy.shippingFee(template, parcel);
    return { ...draft, lines, discount, discounts, shippingFee, total: draft.subtotal - discount + shippingFee };
  });
  return {
    currency,
    orders,
    coinsUsed: promotions.coinsUsed,
    payable: orders.reduce((acc, o) => acc + o.total, 0),
    address: needsAddress ? (facts.address ?? null) : null,
  };
}

/** The wire form of a quote's orders. */
export function quoteOrdersView(quote: Quote) {
  const money = (amount: number) => ({ amount, currency: quote.currency });
  return quote.orders.map((o) => ({
    sellerId: o.shopId,
    kind: o.kind,
    items: o.lines.map((l) => ({
      skuId: l.skuId,
      productId: l.productId,
      name: l.name,
      quantity: l.quantity,
      unitPrice: money(l.unitPrice),
      lineTotal: money(l.lineTotal),
      discount: money(l.discount),
      rechargeTarget: l.rechargeTarget,
    })),
    subtotal: money(o.subtotal),
    shippingFee: money(o.shippingFee),
    discount: money(o.discount),
    discounts: o.discounts.map((d) => ({
      source: d.source,
      amount: money(d.amount),
      ...(d.sourceId && d.source !== "threshold" ? { voucherId: d.sourceId } : {}),
      ...(d.sourceId && d.source === "threshold" ? { thresholdDiscountId: d.sourceId } : {}),
    })),
    total: money(o.total),
  }));
}
