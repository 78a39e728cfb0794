// Issue #11, search freshness: SKU objects' stock views have their own queue (stock-views),
// consumed in large batches where only the newest revision per SKU is projected, so stock churn
// never queues ahead of catalog changes on catalog-events.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PRODUCT_STATUS } from "../../shared/catalog/lifecycle";
import { type Coalesce, consumeBatch, type Handlers } from "../../shared/events/consumer";
import { makeEvent } from "../../shared/events/messages";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf } from "../../shared/orders/order-store";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { newId } from "../../shared/platform/ids";
import { createLogger } from "../../shared/platform/logger";
import { COALESCE } from "../../workers/events/handlers";
import { handleBatch } from "../../workers/events/worker";
import eventsConfig from "../../workers/events/wrangler.toml?raw";
import { newSeller, postProduct, putOnShelf, tshirt } from "../helpers/catalog";

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function view(skuId: string, warehouseId: string, available: number, revision: number) {
  return {
    skuId,
    available,
    reserved: 0,
    sold: 0,
    revision,
    safetyStock: 0,
    warehouses: [{ warehouseId, available, reserved: 0, sold: 0, received: available }],
  };
}

function message(body: unknown) {
  return { id: newId("request"), timestamp: new Date(), attempts: 1, body };
}

const stockChanged = (skuId: string, warehouseId: string, available: number, revision: number) =>
  message(makeEvent("inventory.stock_changed", { view: view(skuId, warehouseId, available, revision) }, Date.now()));

/** The queue's coalescing by SKU and revision, handling each newest view alone (no batch handler). */
const bySku: Coalesce<"stock-views"> = { key: (COALESCE["stock-views"] as Coalesce<"stock-views">).key };

const deps = () => ({
  db: dbOf(env.DB),
  orders: orderStoreOf(env, systemClock),
  clock: systemClock,
  log: createLogger({ test: "stock-views" }),
  producers: env,
  inventory: inventoryOf(env),
  adapters: {},
});

describe("the stock-views queue", () => {
  it("handles only the newest view per SKU in a batch and acknowledges the superseded ones", async () => {
    const a = `sku_${crypto.randomUUID()}`;
    const b = `sku_${crypto.randomUUID()}`;
    const messages = [
      stockChanged(a, "wh", 5, 5),
      stockChanged(b, "wh", 1, 2),
      stockChanged(a, "wh", 9, 9),
      stockChanged(a, "wh", 7, 7),
      message(makeEvent("platform.canary", { canaryId: newId("request"), queue: "stock-views" }, Date.now())),
    ];
    const handled: string[] = [];
    const handlers: Handlers<"stock-views"> = {
      "platform.canary": async () => {
        handled.push("canary");
      },
      "inventory.stock_changed": async (m) => {
        handled.push(`${m.data.view.skuId === a ? "a" : "b"}@${m.data.view.revision}`);
      },
    };
    const batch = createMessageBatch("stock-views", messages);
    const ctx = createExecutionContext();
    await consumeBatch("stock-views", batch, handlers, deps(), bySku);
    expect(handled.sort()).toEqual(["a@9", "b@2", "canary"]);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.sort()).toEqual(messages.map((m) => m.id).sort());
  });

  it("retries only the newest view of a SKU whose projection failed; the older ones are done", async () => {
    const skuId = `sku_${crypto.randomUUID()}`;
    const older = stockChanged(skuId, "wh", 3, 3);
    const newer = stockChanged(skuId, "wh", 4, 4);
    const handlers: Handlers<"stock-views"> = {
      "platform.canary": async () => {},
      "inventory.stock_changed": async () => {
        throw new Error("injected: D1 hiccup");
      },
    };
    const batch = createMessageBatch("stock-views", [older, newer]);
    const ctx = createExecutionContext();
    await consumeBatch("stock-views", batch, handlers, deps(), bySku);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([newer.id]);
    expect(result.explicitAcks).toEqual([older.id]);
  });

  it("hands the batch's newest views to one batch handler; if it fails, those are retried and the rest stay done", async () => {
    const a = `sku_${crypto.randomUUID()}`;
    const b = `sku_${crypto.randomUUID()}`;
    const messages = [stockChanged(a, "wh", 1, 1), stockChanged(b, "wh", 2, 2), stockChanged(a, "wh", 3, 3)];
    const calls: string[][] = [];
    const failing: Coalesce<"stock-views"> = {
      ...bySku,
      handleAll: async (events) => {
        calls.push(events.map((e) => (e.type === "inventory.stock_changed" ? `${e.data.view.revision}` : e.type)));
        throw new Error("injected: D1 batch failed");
      },
    };
    const batch = createMessageBatch("stock-views", messages);
    const ctx = createExecutionContext();
    await consumeBatch("stock-views", batch, {} as Handlers<"stock-views">, deps(), failing);
    expect(calls.map((c) => c.sort())).toEqual([["2", "3"]]);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual([messages[1]?.id, messages[2]?.id].sort());
    expect(result.explicitAcks).toEqual([messages[0]?.id]);
  });

  it("sells a product out when its only SKU's view shows nothing available, and restocks it, in search too", async () => {
    const seller = await newSeller();
    const oneSku = {
      skuName: "黑色 L",
      price: 79,
      stock: 10,
      salesAttributes: [
        { attributeId: 201, value: "黑色" },
        { attributeId: 202, value: "L" },
      ],
    };
    const { body } = await postProduct(seller, tshirt({ skus: [oneSku] }));
    const skuId = body.skuIds[0] as string;
    const warehouseId = seller.warehouseId as string;
    await putOnShelf(seller, body.productId);
    const facts = async () => ({
      status: (
        await env.DB.prepare("select status from products where id = ?")
          .bind(body.productId)
          .first<{ status: number }>()
      )?.status,
      inStock: (
        await env.DB.prepare("select in_stock from search_documents where product_id = ?")
          .bind(body.productId)
          .first<{ in_stock: number }>()
      )?.in_stock,
    });
    await handleBatch(createMessageBatch("stock-views", [stockChanged(skuId, warehouseId, 0, 2_000)]), env);
    expect(await facts()).toEqual({ status: PRODUCT_STATUS.SOLD_OUT, inStock: 0 });
    await handleBatch(createMessageBatch("stock-views", [stockChanged(skuId, warehouseId, 4, 2_001)]), env);
    expect(await facts()).toEqual({ status: PRODUCT_STATUS.ON_SHELF, inStock: 1 });
  });

  it("projects the newest revision of each SKU through the events Worker, whatever the order in the batch", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0] as string;
    const warehouseId = seller.warehouseId as string;
    const batch = createMessageBatch("stock-views", [
      stockChanged(skuId, warehouseId, 8, 1_002),
      stockChanged(skuId, warehouseId, 6, 1_003),
      stockChanged(skuId, warehouseId, 9, 1_001),
    ]);
    const ctx = createExecutionContext();
    await handleBatch(batch, env);
    expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([]);
    const row = await env.DB.prepare("select available, revision from sku_stock where sku_id = ?").bind(skuId).first();
    expect(row).toEqual({ available: 6, revision: 1_003 });
  });

  it("is where SKU objects publish their views: a reservation reaches the projection", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0] as string;
    const stub = inventoryOf(env).getByName(skuId);
    const held = await stub.reserve({
      skuId,
      reservationId: newId("request"),
      quantity: 3,
      ttlMs: 60_000,
      actor: "t",
      at: Date.now(),
    });
    expect(held).toMatchObject({ ok: true });
    await stub.flush();
    const row = await eventually(
      () => env.DB.prepare("select reserved from sku_stock where sku_id = ?").bind(skuId).first<{ reserved: number }>(),
      (r) => r?.reserved === 3,
    );
    expect(row).toEqual({ reserved: 3 });
  });

  it("records a dead-lettered view under stock-views, so a replay goes back to that queue", async () => {
    const m = stockChanged(`sku_${crypto.randomUUID()}`, "wh", 1, 1);
    await handleBatch(createMessageBatch("stock-views-dlq", [{ ...m, attempts: 6 }]), env);
    const row = await env.DB.prepare("select queue, event_type, reason from dead_letters where message_id = ?")
      .bind(m.id)
      .first();
    expect(row).toEqual({ queue: "stock-views", event_type: "inventory.stock_changed", reason: "retries_exhausted" });
  });

  it("is consumed in batches of up to 100 in production", () => {
    const block = eventsConfig
      .split("[[queues.consumers]]")
      .find((b) => b.trimStart().startsWith('queue = "stock-views"\n'));
    expect(block).toMatch(/max_batch_size = 100\b/);
  });
});
