/**
 * Checkout pricing (如何计算订单的总价): the shopper's items split into one order per seller (and
 * category type), each priced as goods − discounts + shipping, and a signed, single-use quote
 * token valid 15 minutes that order creation checks prices against.
 *
 * Discount allocation (优惠分摊): an order-level discount is split over the order's lines in
 * proportion to their line totals with the largest-remainder method (`allocate` in
 * shared/platform/money.ts): every line gets floor(discount × line / goods) minor units, and the
 * units left over go one each to the lines with the largest remainders, ties to the earlier
 * line. The shares sum exactly to the discount, so a refund of any set of lines returns exactly
 * what was paid for them.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import {
  addresses,
  attributes,
  categories,
  orderItems,
  orders,
  prices,
  productImages,
  products,
  shippingTemplates,
  skuAttributeValues,
  skus,
  users,
  warehouses,
} from "../../db/schema";
import { PRODUCT_STATUS } from "../catalog/lifecycle";
import { effectivePrice } from "../catalog/products";
import type { Clock } from "../platform/clock";
import { batchReads, inChunks } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { allocate, type Currency, moneySchema } from "../platform/money";
import { invalidField, invalidFields } from "../platform/validation";
import { type ShippingTemplate, templateForCurrency, templateOfRow } from "./shipping";
import { type CategoryKind, strategyOf } from "./strategies";

export const QUOTE_TTL_MS = 15 * 60 * 1000;
export const MAX_CHECKOUT_LINES = 50;
const QUOTE_TOKEN_TYPE = "quote+jwt";
const ALGORITHM = "HS256";

export const checkoutItemsSchema = z
  .array(
    z
      .object({
        skuId: z.string().min(1).max(64),
        quantity: z.number().int().min(1).max(999),
      })
      .strict(),
  )
  .min(1, "must list at least one item")
  .max(MAX_CHECKOUT_LINES)
  .refine((items) => new Set(items.map((i) => i.skuId)).size === items.length, "must not list a SKU twice");

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
});

export const quoteOrderSchema = z.object({
  sellerId: z.string().describe("The seller's shop id"),
  kind: z.enum(["physical", "virtual"]),
  items: z.array(lineSchema),
  subtotal: moneySchema,
  shippingFee: moneySchema,
  discount: moneySchema,
  total: moneySchema,
});

export const quoteResponseSchema = z.object({
  quoteId: z.string(),
  quoteToken: z.string().describe("Pass to POST /v1/orders within 15 minutes; creates at most one order"),
  orders: z.array(quoteOrderSchema),
  payable: moneySchema,
  expiresAt: z.string(),
});

// ---------------------------------------------------------------------------------------------
// Facts: everything pricing and order creation read from D1, in one round trip

export interface SkuFact {
  skuId: string;
  productId: string;
  shopId: string;
  productName: string;
  skuName: string;
  productStatus: number;
  categoryId: number;
  brandId: number | null;
  kind: CategoryKind;
  weightGrams: number;
  price: { amount: number; currency: Currency } | null;
  salesAttributes: { name: string; value: string }[];
  image: string | null;
}

export interface CheckoutFacts {
  user: { id: string; status: number } | undefined;
  skus: Map<string, SkuFact>;
  address: typeof addresses.$inferSelect | undefined;
  templates: Map<string, ShippingTemplate>;
  /** Per shop: warehouse id → allocation priority. */
  warehousePriorities: Map<string, Record<string, number>>;
  /** Units the user holds in unpaid orders (status CREATED), for the anti-fraud hold cap. */
  heldUnits: number;
}

/** Reads the user, SKUs, prices, attributes, images, address, templates and warehouses in one D1 batch. */
export async function loadCheckoutFacts(
  db: Db,
  input: { userId: string; skuIds: string[]; addressId?: string | undefined },
  now: number,
): Promise<CheckoutFacts> {
  // Every list is bounded by MAX_CHECKOUT_LINES today; the chunks keep each statement within D1's
  // 100 parameters whatever the caller passes, still in one batch. Rows a chunk repeats (a product
  // or shop shared by SKUs of two chunks) are looked up with `find`, so repeats are harmless.
  const byIds = <S extends { toSQL(): { params: unknown[] } }>(build: (ids: string[]) => S) =>
    inChunks(input.skuIds, build);
  const productsOf = (ids: string[]) => sql`(SELECT product_id FROM skus WHERE id IN ${ids})`;
  const shopsOf = (ids: string[]) => sql`(SELECT shop_id FROM skus WHERE id IN ${ids})`;
  const [
    userRows,
    skuRows,
    productRows,
    priceRows,
    attrRows,
    imageRows,
    addressRows,
    templateRows,
    warehouseRows,
    heldRows,
  ] = await batchReads(db, [
    [db.select({ id: users.id, status: users.status }).from(users).where(eq(users.id, input.userId))],
    // Two single-table selects rather than one join: D1 batches key row values by column name,
    // so a join's two `name` columns would collide.
    byIds((ids) =>
      db
        .select({
          skuId: skus.id,
          productId: skus.productId,
          shopId: skus.shopId,
          skuName: skus.name,
          weightGrams: skus.weightGrams,
        })
        .from(skus)
        .where(inArray(skus.id, ids)),
    ),
    byIds((ids) =>
      db
        .select({
          productId: products.id,
          productName: products.name,
          productStatus: products.status,
          categoryId: products.categoryId,
          brandId: products.brandId,
          kind: categories.kind,
        })
        .from(products)
        .innerJoin(categories, eq(categories.id, products.categoryId))
        .where(inArray(products.id, productsOf(ids))),
    ),
    byIds((ids) => db.select().from(prices).where(inArray(prices.skuId, ids))),
    byIds((ids) =>
      db
        .select({ skuId: skuAttributeValues.skuId, name: attributes.name, value: skuAttributeValues.value })
        .from(skuAttributeValues)
        .innerJoin(attributes, eq(attributes.id, skuAttributeValues.attributeId))
        .where(inArray(skuAttributeValues.skuId, ids))
        .orderBy(skuAttributeValues.attributeId),
    ),
    byIds((ids) =>
      db
        .select({ productId: productImages.productId, url: productImages.url, sort: productImages.sort })
        .from(productImages)
        .where(inArray(productImages.productId, productsOf(ids)))
        .orderBy(productImages.sort),
    ),
    [
      db
        .select()
        .from(addresses)
        .where(and(eq(addresses.id, input.addressId ?? ""), eq(addresses.userId, input.userId))),
    ],
    byIds((ids) =>
      db
        .select()
        .from(shippingTemplates)
        .where(inArray(shippingTemplates.shopId, shopsOf(ids))),
    ),
    byIds((ids) =>
      db
        .select({ id: warehouses.id, shopId: warehouses.shopId, priority: warehouses.priority })
        .from(warehouses)
        .where(inArray(warehouses.shopId, shopsOf(ids))),
    ),
    [
      db
        .select({ units: sql<number>`coalesce(sum(${orderItems.quantity}), 0)` })
        .from(orderItems)
        .innerJoin(orders, eq(orders.id, orderItems.orderId))
        .where(and(eq(orders.userId, input.userId), eq(orders.status, "CREATED"))),
    ],
  ]);
  const skuFacts = new Map<string, SkuFact>();
  for (const row of skuRows) {
    const product = productRows.find((p) => p.productId === row.productId);
    if (!product) continue;
    skuFacts.set(row.skuId, {
      ...row,
      ...product,
      weightGrams: row.weightGrams ?? 0,
      price: effectivePrice(
        priceRows.filter((p) => p.skuId === row.skuId),
        now,
      ),
      salesAttributes: attrRows.filter((a) => a.skuId === row.skuId).map(({ name, value }) => ({ name, value })),
      image: imageRows.find((i) => i.productId === row.productId)?.url ?? null,
    });
  }
  const shopIds = new Set(skuRows.map((r) => r.shopId));
  const priorities = new Map<string, Record<string, number>>();
  for (const w of warehouseRows) {
    priorities.set(w.shopId, { ...priorities.get(w.shopId), [w.id]: w.priority });
  }
  return {
    user: userRows[0],
    skus: skuFacts,
    address: addressRows[0],
    templates: new Map(
      [...shopIds].map((shopId) => [
        shopId,
        templateOfRow(
          shopId,
          templateRows.find((t) => t.shopId === shopId),
        ),
      ]),
    ),
    warehousePriorities: priorities,
    heldUnits: heldRows[0]?.units ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Pricing

export interface QuoteLine {
  skuId: string;
  productId: string;
  name: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
  discount: number;
  fact: SkuFact;
}

export interface QuoteOrder {
  shopId: string;
  kind: CategoryKind;
  lines: QuoteLine[];
  subtotal: number;
  shippingFee: number;
  discount: number;
  total: number;
}

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

/** Only an active account may quote or order (disabled accounts are refused, 403). */
export function assertMayOrder(facts: CheckoutFacts): void {
  if (facts.user?.status !== 1) throw new AppError("forbidden", { detail: "The account cannot place orders" });
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
    throw new AppError("unprocessable", { detail: "All items of a checkout must be priced in one currency" });
  }
  const needsAddress = lines.some((l) => strategyOf(l.fact.kind).requiresAddress);
  if (needsAddress && !body.addressId) throw invalidField("addressId", "is required for goods that ship");
  if (body.addressId && !facts.address) throw invalidField("addressId", "is not one of your addresses");

  const groups = new Map<string, Omit<QuoteOrder, "discount" | "total">>();
  for (const { item, fact, price } of lines) {
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
    })),
    subtotal: money(o.subtotal),
    shippingFee: money(o.shippingFee),
    discount: money(o.discount),
    total: money(o.total),
  }));
}

// ---------------------------------------------------------------------------------------------
// Quote tokens

export interface QuoteClaims {
  quoteId: string;
  userId: string;
  items: { skuId: string; quantity: number; unitPrice: number }[];
  addressId: string | null;
  payable: number;
  currency: string;
}

const claimsSchema = z.object({
  sub: z.string(),
  jti: z.string(),
  items: z.array(z.tuple([z.string(), z.number().int(), z.number().int()])),
  adr: z.string().nullable(),
  pay: z.number().int(),
  cur: z.string(),
});

interface TokenKey {
  secret: string;
  issuer: string;
}

const keyOf = (secret: string) => new TextEncoder().encode(`quote:${secret}`);

export async function signQuoteToken(claims: QuoteClaims, key: TokenKey, now: number): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({
    items: claims.items.map((i) => [i.skuId, i.quantity, i.unitPrice]),
    adr: claims.addressId,
    pay: claims.payable,
    cur: claims.currency,
  })
    .setProtectedHeader({ alg: ALGORITHM, typ: QUOTE_TOKEN_TYPE })
    .setSubject(claims.userId)
    .setJti(claims.quoteId)
    .setIssuer(key.issuer)
    .setAudience("checkout")
    .setIssuedAt(iat)
    .setExpirationTime(Math.floor((now + QUOTE_TTL_MS) / 1000))
    .sign(keyOf(key.secret));
}

/** Verifies a quote token for `userId`; a bad, expired or someone else's token is a 400 naming the field. */
export async function verifyQuoteToken(
  token: string,
  userId: string,
  key: TokenKey,
  now: number,
): Promise<QuoteClaims> {
  try {
    const { payload } = await jwtVerify(token, keyOf(key.secret), {
      algorithms: [ALGORITHM],
      typ: QUOTE_TOKEN_TYPE,
      issuer: key.issuer,
      audience: "checkout",
      requiredClaims: ["exp", "sub", "jti"],
      currentDate: new Date(now),
    });
    const claims = claimsSchema.parse(payload);
    if (claims.sub !== userId) throw invalidField("quoteToken", "was issued to someone else");
    return {
      quoteId: claims.jti,
      userId: claims.sub,
      items: claims.items.map(([skuId, quantity, unitPrice]) => ({ skuId, quantity, unitPrice })),
      addressId: claims.adr,
      payable: claims.pay,
      currency: claims.cur,
    };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw invalidField("quoteToken", "has expired; ask for a new quote");
    if (err instanceof joseErrors.JOSEError || err instanceof z.ZodError) {
      throw invalidField("quoteToken", "is not a valid quote token");
    }
    throw err;
  }
}

/** Prices a checkout for `userId` and issues its quote token. */
export async function createQuote(deps: { db: Db; clock: Clock; tokenKey: TokenKey }, userId: string, body: QuoteBody) {
  const now = deps.clock.now();
  const facts = await loadCheckoutFacts(
    deps.db,
    { userId, skuIds: body.items.map((i) => i.skuId), addressId: body.addressId },
    now,
  );
  assertMayOrder(facts);
  const quote = priceCheckout(facts, body);
  const quoteId = newId("quote", now);
  const quoteToken = await signQuoteToken(
    {
      quoteId,
      userId,
      items: quote.orders.flatMap((o) =>
        o.lines.map((l) => ({ skuId: l.skuId, quantity: l.quantity, unitPrice: l.unitPrice })),
      ),
      addressId: body.addressId ?? null,
      payable: quote.payable,
      currency: quote.currency,
    },
    deps.tokenKey,
    now,
  );
  return {
    quoteId,
    quoteToken,
    orders: quoteOrdersView(quote),
    payable: { amount: quote.payable, currency: quote.currency },
    expiresAt: new Date(now + QUOTE_TTL_MS).toISOString(),
  };
}
