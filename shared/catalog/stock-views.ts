/**
 * The stock-views consumer's work for a batch: SKU objects' published views (newest per SKU)
 * into the D1 projection, then, only for products whose in-stock state flipped, the SOLD_OUT
 * automation and the search document (a stock move that leaves a SKU in or out of stock changes
 * nothing either shows). Views of SKUs the catalog does not know, and views the projection
 * already holds (same or newer revision), change nothing.
 */
import { inArray } from "drizzle-orm";
import { skus } from "../../db/schema";
import { projectedStock, projectViews } from "../inventory/projection";
import type { StockView } from "../inventory/schemas";
import { readChunks } from "../platform/d1-chunks";
import type { CatalogDeps } from "./catalog-deps";
import { rebuildSearchDocument } from "./indexer";
import { syncAvailability } from "./product-status";

/** Applies many views at once; idempotent (revision-guarded), so a retried batch is harmless. */
export async function applyStockViews(deps: CatalogDeps, views: readonly StockView[]): Promise<{ projected: number }> {
  const { db } = deps;
  const now = deps.clock.now();
  const newest = new Map<string, StockView>();
  for (const v of views) {
    const held = newest.get(v.skuId);
    if (!held || held.revision <= v.revision) newest.set(v.skuId, v);
  }
  const ids = [...newest.keys()];
  const [catalog, projected] = await Promise.all([
    readChunks(ids, (chunk) =>
      db.select({ id: skus.id, productId: skus.productId }).from(skus).where(inArray(skus.id, chunk)),
    ),
    projectedStock(db, ids),
  ]);
  const productOf = new Map(catalog.map((s) => [s.id, s.productId]));
  const fresh = [...newest.values()].filter(
    (v) => productOf.has(v.skuId) && !(v.revision > 0 && (projected.get(v.skuId)?.revision ?? 0) >= v.revision),
  );
  if (fresh.length === 0) return { projected: 0 };
  const availableNow = await projectViews(db, fresh, now);
  const flipped = new Set<string>();
  for (const v of fresh) {
    const before = projected.get(v.skuId);
    const inStock = (availableNow.get(v.skuId) ?? 0) > 0;
    const productId = productOf.get(v.skuId);
    if (productId && (!before || before.available > 0 !== inStock)) flipped.add(productId);
  }
  for (const productId of flipped) {
    await syncAvailability(deps, productId);
    await rebuildSearchDocument(db, productId, now);
  }
  return { projected: fresh.length };
}
