import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SkuInventory } from "../../durable-objects/sku-inventory";
import { inventoryOf } from "../../shared/inventory/binding";
import { newSeller, operatorToken, postProduct, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";

type StockView = {
  skuId: string;
  available: number;
  reserved: number;
  sold: number;
  warehouses: { warehouseId: string; available: number }[];
};

async function stockOf(token: string, skuId: string) {
  return json<StockView>(await call("GET", `/admin/v1/skus/${skuId}/stock`, { token }));
}

describe("stock intake into the SKU's object", () => {
  it("takes opening stock at creation and reports it per warehouse", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const view = await stockOf(seller.token, body.skuIds[0] ?? "");
    expect(view.body).toEqual({
      skuId: body.skuIds[0],
      available: 10,
      reserved: 0,
      sold: 0,
      warehouses: [{ warehouseId: seller.warehouseId, available: 10, reserved: 0, sold: 0 }],
    });
  });

  it("sets and moves stock, never below zero, in the default or a named warehouse", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0] ?? "";
    const post = (b: object) =>
      call("POST", `/admin/v1/skus/${skuId}/stock`, { token: seller.token, body: b }).then(json<StockView>);
    expect((await post({ delta: 5, reason: "received PO-1" })).body.available).toBe(15);
    expect((await post({ set: 12, reason: "stock take" })).body.available).toBe(12);
    expect(await post({ delta: -13, reason: "damaged" })).toMatchObject({
      status: 409,
      body: {
        code: "insufficient_stock",
        skuId,
        warehouseId: seller.warehouseId,
        available: 12,
        requested: 13,
        detail: expect.stringContaining(`Warehouse ${seller.warehouseId} has 12 available`),
      },
    });
    expect(await post({ delta: 1, set: 1, reason: "both" })).toMatchObject({ status: 400 });
    expect(await post({ delta: 1 })).toMatchObject({ status: 400, body: { errors: [{ field: "reason" }] } });
    expect(await post({ delta: 1, reason: "x", warehouseId: "wh_somebody_else" })).toMatchObject({
      status: 400,
      body: { errors: [{ field: "warehouseId" }] },
    });
    const projection = await env.DB.prepare("select sum(available) as n from sku_stock where sku_id = ?")
      .bind(skuId)
      .first<{ n: number }>();
    expect(projection?.n).toBe(12);
    const logs = await json<{ items: { operation: string; after: { available: number } }[] }>(
      await call("GET", `/admin/v1/operation-logs?entityType=stock&entityId=${skuId}`, { token: seller.token }),
    );
    expect(logs.body.items.map((l) => [l.operation, l.after.available])).toEqual([
      ["set", 12],
      ["delta", 15],
    ]);
  });

  it("applies 50 concurrent deltas exactly once each", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0] ?? "";
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call("POST", `/admin/v1/skus/${skuId}/stock`, { token: seller.token, body: { delta: 2, reason: "receive" } }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await stockOf(seller.token, skuId)).body.available).toBe(110);
  });

  it("keeps stock, the movement log and the invariant across eviction, and applies an op id once", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0] ?? "";
    const stub = inventoryOf(env).getByName(skuId);
    const adjust = {
      skuId,
      opId: "op-evict-1",
      warehouseId: seller.warehouseId ?? "",
      mode: "delta" as const,
      quantity: 7,
      reason: "receive",
      actor: "test",
      at: Date.now(),
    };
    expect(await stub.adjust(adjust)).toMatchObject({ ok: true, replayed: false, view: { available: 17 } });
    await evictDurableObject(stub);
    expect(await stub.adjust(adjust)).toMatchObject({ ok: true, replayed: true, view: { available: 17 } });
    const view = await stub.view();
    expect(view).toMatchObject({ skuId, available: 17, reserved: 0, sold: 0 });
    for (const w of view.warehouses) expect(w.available + w.reserved + w.sold).toBe(w.received);
    expect((await stub.movements()).map((m) => m.opId)).toEqual(["op-evict-1", `opening:${skuId}`]);
    // The storage itself refuses a state that breaks the invariant.
    await runInDurableObject(stub, (_instance: SkuInventory, state) => {
      const totals = () =>
        state.storage.sql.exec("SELECT sum(available) AS available, sum(received) AS received FROM stock").one();
      expect(totals()).toEqual({ available: 17, received: 17 });
      expect(() => state.storage.sql.exec("UPDATE stock SET available = available + 1")).toThrow();
      expect(() =>
        state.storage.sql.exec("UPDATE stock SET available = -1, received = received - available - 1"),
      ).toThrow();
      // The refused updates left nothing behind.
      expect(totals()).toEqual({ available: 17, received: 17 });
    });
  });
});

describe("adopting seeded stock", () => {
  it("moves stock loaded into the projection by SQL into the SKU objects, once", async () => {
    const operator = await operatorToken();
    const seeded = await env.DB.prepare(
      "select sku_id, available from sku_stock where revision = 0 and available > 0 limit 1",
    ).first<{ sku_id: string; available: number }>();
    let total = 0;
    for (let i = 0; i < 10; i++) {
      const res = await json<{ adopted: number; remaining: number }>(
        await call("POST", "/admin/v1/ops/stock/adopt-projection", { token: operator, body: { limit: 50 } }),
      );
      expect(res.status).toBe(200);
      total += res.body.adopted;
      if (res.body.remaining === 0) break;
    }
    // The test seed's generated catalog has stock that only the projection knows.
    expect(seeded).not.toBeNull();
    expect(total).toBeGreaterThan(0);
    const view = await inventoryOf(env)
      .getByName(seeded?.sku_id ?? "")
      .view();
    expect(view.available).toBe(seeded?.available);
    const again = await json<{ adopted: number }>(
      await call("POST", "/admin/v1/ops/stock/adopt-projection", { token: operator, body: {} }),
    );
    expect(again.body.adopted).toBe(0);
  });
});
