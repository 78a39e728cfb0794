/** A fresh SKU object stocked per warehouse, for tests that call the object through its stub. */
import { env } from "cloudflare:test";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { inventoryOf } from "../../shared/inventory/binding";

export type SkuStub = DurableObjectStub<SkuInventory>;

/** A SKU id no other test uses, and its object; each warehouse set to its level by a stock take. */
export async function stockedSku(
  levels: Record<string, number>,
  actor = "sku-object-test",
): Promise<{ skuId: string; stub: SkuStub }> {
  const skuId = `sku_test_${crypto.randomUUID()}`;
  const stub = inventoryOf(env).getByName(skuId);
  for (const [warehouseId, quantity] of Object.entries(levels)) {
    const result = await stub.adjust({
      skuId,
      opId: `open:${warehouseId}`,
      warehouseId,
      mode: "set",
      quantity,
      reason: "opening stock",
      actor,
      at: Date.now(),
    });
    if (!result.ok) throw new Error(`could not stock ${warehouseId}: ${result.detail}`);
  }
  return { skuId, stub };
}
