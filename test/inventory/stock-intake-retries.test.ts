/**
 * Regression (hardening #11, defect 6): a stock adjustment or transfer whose later step failed
 * (the catalog event could not be queued) answered 5xx, and the client's retry with the same
 * Idempotency-Key moved the stock a second time, because each execution made a fresh op id.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildAdminApp } from "../../workers/admin/app";
import { newSeller, postProduct, type Seller, tshirt } from "../helpers/catalog";
import { freshIp } from "../helpers/factories";
import { faultyD1 } from "../helpers/faulty-d1";
import { call, json, ORIGIN } from "../helpers/http";

type StockView = { available: number; warehouses: { warehouseId: string; available: number }[] };

/** The real bindings, except that queue sends fail: a transport failure after the object's write. */
function envWithBrokenQueues(): Cloudflare.Env {
  const broken = {
    send: async () => {
      throw new Error("queue unavailable (test)");
    },
    sendBatch: async () => {
      throw new Error("queue unavailable (test)");
    },
  };
  return { ...env, CATALOG_EVENTS: broken, BULK_JOBS: broken, ORDER_EVENTS: broken } as unknown as Cloudflare.Env;
}

async function send(
  bindings: Cloudflare.Env,
  seller: Seller,
  path: string,
  body: object,
  headers: Record<string, string>,
): Promise<{ status: number; body: StockView; res: Response }> {
  const app = buildAdminApp();
  const res = await app.fetch(
    new Request(`${ORIGIN}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${seller.token}`, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    }),
    bindings,
    createExecutionContext(),
  );
  return json<StockView>(res);
}

async function stockLogs(seller: Seller, skuId: string) {
  const logs = await json<{ items: { operation: string; after: { available?: number; quantity?: number } }[] }>(
    await call("GET", `/admin/v1/operation-logs?entityType=stock&entityId=${skuId}`, { token: seller.token }),
  );
  return logs.body.items;
}

describe("retried stock operations apply once (Idempotency-Key → op id)", () => {
  it("a retried adjustment whose first attempt failed after the object's write moves stock once and logs once", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0] ?? "";
    const headers = { "Idempotency-Key": "adjust-retry-1", "cf-connecting-ip": freshIp() };
    const path = `/admin/v1/skus/${skuId}/stock`;
    const adjustment = { delta: 5, reason: "received PO-7" };

    const failed = await send(envWithBrokenQueues(), seller, path, adjustment, headers);
    expect(failed.status, JSON.stringify(failed.body)).toBeGreaterThanOrEqual(500);
    const retried = await send(env, seller, path, adjustment, headers);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.available).toBe(15);
    const replayed = await send(env, seller, path, adjustment, headers);
    expect(replayed.res.headers.get("idempotent-replayed")).toBe("true");
    expect(replayed.body.available).toBe(15);

    const view = await json<StockView>(await call("GET", path, { token: seller.token }));
    expect(view.body.available).toBe(15);
    const deltas = (await stockLogs(seller, skuId)).filter((l) => l.operation === "delta");
    expect(deltas.map((l) => l.after.available)).toEqual([15]);
  });

  it("a retried transfer moves the units once", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0] ?? "";
    const warehouse = await json<{ warehouseId: string }>(
      await call("POST", "/admin/v1/warehouses", { token: seller.token, body: { name: "Second", region: "CN-11" } }),
    );
    expect(warehouse.status, JSON.stringify(warehouse.body)).toBe(201);
    const headers = { "Idempotency-Key": "transfer-retry-1", "cf-connecting-ip": freshIp() };
    const path = `/admin/v1/skus/${skuId}/stock/transfers`;
    const transfer = {
      fromWarehouseId: seller.warehouseId,
      toWarehouseId: warehouse.body.warehouseId,
      quantity: 4,
      reason: "rebalance",
    };
    // The first attempt dies after the object moved the units (the projection's D1 write fails).
    // Only writes fail: the reads before the object's write (the SKU's product, read in one
    // batch) must answer, or the attempt would die before anything moved.
    const write = (sql: string) => /^\s*(insert|update|delete)/i.test(sql) && !/idempotency_keys/i.test(sql);
    const writesLost = faultyD1(env.DB, {
      failBatch: (statements) => statements.some(write),
      failStatement: write,
    });
    const noDb = { ...env, DB: writesLost } as unknown as Cloudflare.Env;
    const failed = await send(noDb, seller, path, transfer, headers);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const retried = await send(env, seller, path, transfer, headers);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    const byWarehouse = Object.fromEntries(retried.body.warehouses.map((w) => [w.warehouseId, w.available]));
    expect(byWarehouse).toEqual({ [seller.warehouseId ?? ""]: 6, [warehouse.body.warehouseId]: 4 });
    const transfers = (await stockLogs(seller, skuId)).filter((l) => l.operation === "transfer");
    expect(transfers).toHaveLength(1);
  });
});
