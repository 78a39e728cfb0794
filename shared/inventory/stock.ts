/** Talking to SKU inventory objects, and keeping the D1 projection (`sku_stock`) in step with them. */
import { sql } from "drizzle-orm";
import { skuStock } from "../../db/schema";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import type { AdjustStockInput, StockView } from "./schemas";

/** One adjustment in the SKU's object; 409 `conflict` (insufficient stock) when it would go negative. */
export async function adjustOne(
  ns: DurableObjectNamespace<SkuInventory>,
  input: AdjustStockInput,
): Promise<StockView & { replayed: boolean; delta: number }> {
  const result = await ns.getByName(input.skuId).adjust(input);
  if (!result.ok) {
    throw new AppError("conflict", {
      detail: result.detail,
      extensions: { reason: result.code, available: result.view.available },
    });
  }
  return { ...result.view, replayed: result.replayed, delta: result.delta };
}

export async function readStock(ns: DurableObjectNamespace<SkuInventory>, skuId: string): Promise<StockView> {
  const view = await ns.getByName(skuId).view();
  return { ...view, skuId };
}

/**
 * Writes the object's view into the projection, per warehouse; a row only moves forward
 * (`revision` increases), so late or reordered updates never overwrite newer numbers.
 */
export async function project(db: Db, view: StockView, now: number): Promise<void> {
  for (const w of view.warehouses) {
    await db
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
      });
  }
}
