/**
 * Checkout facts: everything pricing and order creation read from D1 about one checkout (the
 * user, the SKUs with their prices, attributes and images, the address, the shops' shipping
 * templates and warehouse priorities, the units already held in unpaid orders), in one round
 * trip. This is the checkout's only I/O; pricing (pricing.ts) works on what it returns.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
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
import { effectivePrice } from "../catalog/pricing";
import { batchReads, inChunks } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import type { Currency } from "../platform/money";
import { type ShippingTemplate, shippingTemplateOfRow } from "./shipping";
import type { CategoryKind } from "./strategies";

/** One SKU as a checkout sees it; `price` is the effective price now, null when it has none. */
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

/** What one checkout reads, keyed for pricing: SKUs by id, templates and priorities by shop. */
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
        shippingTemplateOfRow(
          shopId,
          templateRows.find((t) => t.shopId === shopId),
        ),
      ]),
    ),
    warehousePriorities: priorities,
    heldUnits: heldRows[0]?.units ?? 0,
  };
}

/** Only an active account may quote or order (disabled accounts are refused, 403). */
export function assertMayOrder(facts: CheckoutFacts): void {
  if (facts.user?.status !== 1) throw new AppError("forbidden", { detail: "The account cannot place orders" });
}
