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
 * what was paid for them.
 */
import { z } from "zod";
import { PRODUCT_STATUS } from "../catalog/lifecycle";
import { AppError } from "../platform/errors";
import { allocate, type Currency, moneySchema } from "../platform/money";
import { invalidField, invalidFields } from "../platform/validation";
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
    voucherCode: z.string().trim().min(1).max(64).optional().describe("A voucher to apply (promotions)"),
    coins: z.number().int().min(0).optional().describe("Coins to redeem (promotions)"),
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
  total: number;
}

/** A priced checkout: its orders and what the shopper pays in all. */
export interface Quote {
  currency: Currency;
  orders: QuoteOrder[];
  payable: number;
  address: CheckoutFacts["address"] | null;
}

/**
 * The promotions slot: the discount each order gets. Vouchers, threshold discounts and coins
 * (promotions, SPEC §7) plug in here; until they land no code is valid and no order is discounted.
 */
export function orderDiscounts(orders: readonly Omit<QuoteOrder, "discount" | "total">[], body: QuoteBody): number[] {
  if (body.voucherCode !== undefined) throw invalidField("voucherCode", "is not a valid voucher");
  if (body.coins) throw invalidField("coins", "coin redemption is not available");
  return orders.map(() => 0);
}

/** How the promotions slot is called: each draft order's discount, in minor units. */
export type DiscountRule = (orders: readonly Omit<QuoteOrder, "discount" | "total">[], body: QuoteBody) => number[];

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

  const groups = new Map<string, Omit<QuoteOrder, "discount" | "total">>();
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
  const discounts = discountRule(drafts, body);
  const orders = drafts.map((draft, i): QuoteOrder => {
    const discount = Math.min(discounts[i] ?? 0, draft.subtotal);
    const shares = allocate(
      discount,
      draft.lines.map((l) => l.lineTotal),
    );
    const lines = draft.lines.map((l, j) => ({ ...l, discount: shares[j] ?? 0 }));
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
    return { ...draft, lines, discount, shippingFee, total: draft.subtotal - discount + shippingFee };
  });
  return {
    currency,
    orders,
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
    total: money(o.total),
  }));
}
