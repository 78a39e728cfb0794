/**
 * The D1 stock projection (`sku_stock`) written for many views at once, for the stock-views
 * consumer: one read of the projection's state, one read of known warehouses and one batch of
 * upserts per queue batch, instead of a round trip per row. Same rules as `project`: only
 * warehouses D1 knows, and a row only moves to a newer revision. A new SKU's first row is
 * written by the catalog's create batch (`openingProjection`), never by the consumer.
 */
import { inArray, sql } from "drizzle-orm";
import { skuStock, warehouses } from "../../db/schema";
import { readChunks, runChunks } from "../platform/d1-chunks";
import type { Db } from "../platform/db";
import type { StockView } from "./schemas";
import { projectionSums } from "./stock-totals";

/** A SKU as the projection has it: its newest revision and units available over its rows. */
export interface ProjectedStock {
  revision: number;
  available: number;
}

/** The projection's state of each of `skuIds` that has rows. */
export async function projectedStock(db: Db, skuIds: readonly string[]): Promise<Map<string, ProjectedStock>> {
  const rows = await readChunks(skuIds, (chunk) => projectionSums(db, chunk));
  return new Map(rows.map((r) => [r.skuId, { revision: r.revision ?? 0, available: r.available }]));
}

/**
 * A new SKU's first projection row: the opening stock its object received, written in the batch
 * that creates the SKU (a SKU never exists in D1 without its row).
 */
export function openingProjection(
  db: Db,
  row: { skuId: string; warehouseId: string; available: number; revision: number },
  now: number,
) {
  return db.insert(skuStock).values({ ...row, updatedAt: now });
}

/**
 * Projects `views` (one per SKU) in one D1 batch; answers each SKU's units available over the
 * warehouses D1 knows, as projected.
 */
export async function projectViews(db: Db, views: readonly StockView[], now: number): Promise<Map<string, number>> {
  const ids = [...new Set(views.flatMap((v) => v.warehouses.map((w) => w.warehouseId)))];
  const known = new Set(
    (
      await readChunks(ids, (chunk) =>
        db.select({ id: warehouses.id }).from(warehouses).where(inArray(warehouses.id, chunk)),
      )
    ).map((w) => w.id),
  );
  const available = new Map<string, number>();
  const statements = views.flatMap((view) => {
    const rows = view.warehouses.filter((w) => known.has(w.warehouseId));
    available.set(
      view.skuId,
      rows.reduce((sum, w) => sum + w.available, 0),
    );
    return rows.map((w) =>
      db
        .insert(skuStock)
        .values({
          skuId: view.skuId,
          warehouseId: w.warehouseId,
          available: w.available,
          reserved: w.reserved,
          sold: w.sold,
          revision: view.revision,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [skuStock.skuId, skuStock.warehouseId],
          set: { available: w.available, reserved: w.reserved, sold: w.sold, revision: view.revision, updatedAt: now },
          setWhere: sql`${skuStock.revision} < ${view.revision}`,
        }),
    );
  });
  await runChunks(db, statements);
  return available;
}
