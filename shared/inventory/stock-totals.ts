/**
 * Each SKU's units summed over its warehouses, from the D1 projection (`sku_stock`), as a read
 * for the caller's batch: what product detail, the cart and product views show as stock. The
 * projection may lag the SKU's object; checkout re-checks stock there (reserve).
 */
import { eq, inArray, max, type SQLWrapper, sql } from "drizzle-orm";
import { skuStock } from "../../db/schema";
import { type BatchRead, batchRead, inKeys, type KeySet } from "../platform/d1-chunks";
import type { Db } from "../platform/db";

/** A SKU's units over all its warehouses (all 0 when the projection has no row for it). */
export interface StockTotals {
  available: number;
  reserved: number;
  sold: number;
}

export const NO_STOCK: StockTotals = { available: 0, reserved: 0, sold: 0 };

/**
 * The projection's one grouped read: per SKU in `set` that has rows, its units summed over its
 * warehouses and its newest revision. Stock totals and the stock-views consumer both read it.
 */
export function projectionSums(db: Db, set: string[] | SQLWrapper) {
  return db
    .select({
      skuId: skuStock.skuId,
      available: sql<number>`sum(${skuStock.available})`.mapWith(Number),
      reserved: sql<number>`sum(${skuStock.reserved})`.mapWith(Number),
      sold: sql<number>`sum(${skuStock.sold})`.mapWith(Number),
      revision: max(skuStock.revision),
    })
    .from(skuStock)
    .where(inArray(skuStock.skuId, set))
    .groupBy(skuStock.skuId);
}

/** The stock totals of the SKUs in `skus`, by SKU id (SKUs without rows are absent). */
export function stockTotalsRead(db: Db, skus: KeySet): BatchRead<Map<string, StockTotals>> {
  return batchRead(
    [inKeys(skus, (set) => projectionSums(db, set))],
    ([rows]) => new Map(rows.map(({ skuId, available, reserved, sold }) => [skuId, { available, reserved, sold }])),
  );
}

/** Units available over all of `skus` and all their warehouses (0 without rows). */
export async function availableOf(db: Db, skus: KeySet): Promise<number> {
  const rows = (await Promise.all(inKeys(skus, (set) => projectionSums(db, set)))).flat();
  return rows.reduce((sum, r) => sum + r.available, 0);
}

/**
 * Units one warehouse holds over all SKUs (available plus reserved), from the projection: 0 for a
 * warehouse with no rows. It may lag the SKUs' objects by a stock change in flight, which is good
 * enough for a warning, never for a decision.
 */
export async function warehouseUnitsOf(db: Db, warehouseId: string): Promise<number> {
  const [row] = await db
    .select({ units: sql<number>`coalesce(sum(${skuStock.available} + ${skuStock.reserved}), 0)`.mapWith(Number) })
    .from(skuStock)
    .where(eq(skuStock.warehouseId, warehouseId));
  return row?.units ?? 0;
}
