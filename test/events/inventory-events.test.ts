import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { makeEvent } from "../../shared/events/messages";
import { newId } from "../../shared/platform/ids";
import { handleBatch } from "../../workers/events/worker";
import { newSeller, postProduct, tshirt } from "../helpers/catalog";

function stockChanged(skuId: string, warehouses: { warehouseId: string; available: number }[], revision: number) {
  const view = {
    skuId,
    available: warehouses.reduce((a, w) => a + w.available, 0),
    reserved: 0,
    sold: 0,
    revision,
    safetyStock: 0,
    warehouses: warehouses.map((w) => ({ ...w, reserved: 0, sold: 0, received: w.available })),
  };
  return {
    id: newId("request"),
    timestamp: new Date(),
    attempts: 1,
    body: makeEvent("inventory.stock_changed", { view }, Date.now()),
  };
}

async function consume(messages: ReturnType<typeof stockChanged>[]) {
  const batch = createMessageBatch("catalog-events", messages);
  const ctx = createExecutionContext();
  await handleBatch(batch, env);
  return getQueueResult(batch, ctx);
}

describe("stock events from SKU objects", () => {
  it("acknowledges views of SKUs or warehouses the catalog does not know, projecting what it does", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0] as string;
    const unknownSku = stockChanged(`sku_${crypto.randomUUID()}`, [{ warehouseId: "bench", available: 5 }], 3);
    const strayWarehouse = stockChanged(
      skuId,
      [
        { warehouseId: seller.warehouseId as string, available: 7 },
        { warehouseId: "wh_gone", available: 2 },
      ],
      1_000,
    );
    const result = await consume([unknownSku, strayWarehouse]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.sort()).toEqual([unknownSku.id, strayWarehouse.id].sort());
    const rows = await env.DB.prepare("select warehouse_id, available, revision from sku_stock where sku_id = ?")
      .bind(skuId)
      .all();
    expect(rows.results).toEqual([{ warehouse_id: seller.warehouseId, available: 7, revision: 1_000 }]);
    // An older view arriving late changes nothing.
    await consume([stockChanged(skuId, [{ warehouseId: seller.warehouseId as string, available: 1 }], 999)]);
    const after = await env.DB.prepare("select available from sku_stock where sku_id = ?").bind(skuId).first();
    expect(after).toEqual({ available: 7 });
  });
});
