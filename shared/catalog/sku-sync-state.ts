/**
 * What a shop's SKUs are now, by seller SKU code, as a feed's difference compares them: the SKU's
 * product (name, description, status), its standard price and its units available (inventory's
 * projection, which the stock routes write before they answer). The catalog's read model for
 * discovery's feeds, so they never read catalog tables themselves.
 */
import { and, eq, inArray } from "drizzle-orm";
import { prices, products, skus } from "../../db/schema";
import { projectedStock } from "../inventory/projection";
import { readChunks } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import type { Currency } from "../platform/money";
import { type ProductStatusName, statusName } from "./lifecycle";

/** One SKU of the shop as a feed compares it. */
export interface SkuSyncState {
  skuId: string;
  productId: string;
  product: { name: string; description: string; status: ProductStatusName };
  standardPrice: { amount: number; currency: Currency } | null;
  available: number;
}

/** The shop's SKUs carrying `codes`, by code (deleted products' SKUs left out). */
export async function skuSyncStates(db: Db, shopId: string, codes: readonly string[]) {
  const rows = await readChunks(codes, (chunk) =>
    db
      .select({
        skuId: skus.id,
        code: skus.sellerSkuCode,
        productId: skus.productId,
        productName: products.name,
        description: products.description,
        status: products.status,
      })
      .from(skus)
      .innerJoin(products, eq(products.id, skus.productId))
      .where(and(eq(skus.shopId, shopId), inArray(skus.sellerSkuCode, chunk))),
  );
  const live = rows.filter((r) => statusName(r.status) !== "DELETED");
  const ids = live.map((r) => r.skuId);
  const standard = await readChunks(ids, (chunk) =>
    db
      .select({
        skuId: prices.skuId,
        amount: prices.amount,
        currency: prices.currency,
        effectiveAt: prices.effectiveAt,
      })
      .from(prices)
      .where(and(inArray(prices.skuId, chunk), eq(prices.type, "standard"))),
  );
  const newest = new Map<string, (typeof standard)[number]>();
  for (const p of standard) {
    const seen = newest.get(p.skuId);
    if (!seen || p.effectiveAt > seen.effectiveAt) newest.set(p.skuId, p);
  }
  const stock = await projectedStock(db, ids);
  const states = new Map<string, SkuSyncState>();
  for (const r of live) {
    if (r.code === null) continue;
    const price = newest.get(r.skuId);
    states.set(r.code, {
      skuId: r.skuId,
      productId: r.productId,
      product: { name: r.productName, description: r.description, status: statusName(r.status) },
      standardPrice: price ? { amount: price.amount, currency: price.currency as Currency } : null,
      available: stock.get(r.skuId)?.available ?? 0,
    });
  }
  return states;
}
