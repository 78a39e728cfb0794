/**
 * What a merchant's developer tripped on (issue #19, items 5 and 6): the admin product list's
 * search, the operator's stock alerts across shops, guest checkout's answer, the product version
 * a SKU edit moves, and stock changes that cannot be applied naming the warehouse and its figure.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { inventoryOf } from "../../shared/inventory/binding";
import { stockWarehouse } from "../../shared/inventory/warehouses";
import { dbOf } from "../../shared/platform/db";
import { newSeller, operatorToken, postProduct, type Seller, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";

type Summary = { productId: string; name: string };
const listed = async (token: string, query: string) =>
  (await json<{ items: Summary[] }>(await call("GET", `/admin/v1/products?${query}`, { token }))).body.items.map(
    (p) => p.productId,
  );

function withCodes(name: string, codes: string[]) {
  const colours = ["黑色", "白色"];
  return tshirt({
    name,
    skus: codes.map((sellerSkuCode, i) => ({
      skuName: `${colours[i]} L`,
      sellerSkuCode,
      price: 79,
      stock: 10,
      salesAttributes: [
        { attributeId: 201, value: colours[i] },
        { attributeId: 202, value: "L" },
      ],
    })),
  });
}

describe("the admin product list's search", () => {
  it("finds a shop's products by part of the name or of a SKU's seller code, wildcards taken literally", async () => {
    const seller = await newSeller();
    const tag = Date.now().toString(36).toUpperCase();
    const runner = (await postProduct(seller, withCodes(`轻跑 Runner ${tag}`, [`RUN-${tag}-BLK`, `RUN-${tag}-WHT`])))
      .body.productId;
    const court = (await postProduct(seller, withCodes(`Court 经典 ${tag}`, [`CT_${tag}%1`]))).body.productId;
    expect(await listed(seller.token, `q=${encodeURIComponent("轻跑")}`)).toEqual([runner]);
    expect(await listed(seller.token, "q=runner")).toEqual([runner]);
    expect(await listed(seller.token, `q=${tag}-WHT`)).toEqual([runner]);
    expect(await listed(seller.token, `q=${encodeURIComponent(`CT_${tag}%`)}`)).toEqual([court]);
    // `%` and `_` match themselves: "RUN%" is no code's part, "T_" is not "T" then any character.
    expect(await listed(seller.token, `q=${encodeURIComponent("RUN%")}`)).toEqual([]);
    expect(await listed(seller.token, `q=${encodeURIComponent(`RUN_${tag}`)}`)).toEqual([]);
    expect(await listed(seller.token, `q=${tag}`)).toEqual([court, runner]);
    // Another seller's search never reaches this shop; an operator's reaches every shop.
    expect(await listed((await newSeller()).token, `q=${tag}`)).toEqual([]);
    expect(await listed(await operatorToken(), `q=${tag}`)).toEqual([court, runner]);
    expect((await call("GET", "/admin/v1/products?q=", { token: seller.token })).status).toBe(400);
  });
});

describe("stock alerts", () => {
  async function alertedSku(seller: Seller, name: string, code: string) {
    const { body } = await postProduct(seller, withCodes(name, [code]));
    const skuId = body.skuIds[0] ?? "";
    await call("PUT", `/admin/v1/skus/${skuId}/safety-stock`, { token: seller.token, body: { threshold: 5 } });
    await call("POST", `/admin/v1/skus/${skuId}/stock`, { token: seller.token, body: { delta: -6, reason: "破损" } });
    await inventoryOf(env).getByName(skuId).flush();
    return { productId: body.productId, skuId };
  }
  type Alert = { shopId: string; skuId: string; productName: string; sellerSkuCode: string; available: number };
  const alertsOf = async (token: string, query = "") =>
    (
      await json<{ items: Alert[]; nextCursor: string | null }>(
        await call("GET", `/admin/v1/stock-alerts${query}`, { token }),
      )
    ).body;

  it("shows an operator every shop's alerts with the product name and SKU code, a seller only its own", async () => {
    const [a, b] = [await newSeller(), await newSeller()];
    const tag = Date.now().toString(36);
    const first = await alertedSku(a, `告警商品甲 ${tag}`, `ALERT-A-${tag}`);
    const second = await alertedSku(b, `告警商品乙 ${tag}`, `ALERT-B-${tag}`);
    const operator = await operatorToken();
    const all = await vi.waitUntil(
      async () => {
        const body = await alertsOf(operator, "?limit=100");
        const ours = body.items.filter((x) => x.skuId === first.skuId || x.skuId === second.skuId);
        return ours.length === 2 ? ours : null;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(all).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          shopId: a.shopId,
          skuId: first.skuId,
          productName: `告警商品甲 ${tag}`,
          sellerSkuCode: `ALERT-A-${tag}`,
          available: 4,
        }),
        expect.objectContaining({
          shopId: b.shopId,
          skuId: second.skuId,
          productName: `告警商品乙 ${tag}`,
          sellerSkuCode: `ALERT-B-${tag}`,
        }),
      ]),
    );
    expect((await alertsOf(a.token)).items.map((x) => x.skuId)).toEqual([first.skuId]);
    expect((await alertsOf(operator, `?shopId=${b.shopId}`)).items.map((x) => x.skuId)).toEqual([second.skuId]);
    // Paged like every list.
    const page = await alertsOf(operator, "?limit=1");
    expect(page.items).toHaveLength(1);
    const next = await alertsOf(operator, `?limit=1&cursor=${page.nextCursor}`);
    expect(next.items[0]?.skuId).not.toBe(page.items[0]?.skuId);
  });
});

describe("guest checkout", () => {
  it("is refused with account_required, saying how to get an account; a bad token stays invalid_token", async () => {
    const body = { items: [{ skuId: "sku_x", quantity: 1 }], email: "guest@example.com" };
    for (const path of ["/v1/checkout/quote", "/v1/orders"]) {
      const refused = await json(await call("POST", path, { body }));
      expect(refused, path).toMatchObject({
        status: 401,
        body: { code: "account_required", detail: expect.stringContaining("POST /v1/auth/register") },
      });
      expect(refused.res.headers.get("www-authenticate")).toBe("Bearer");
      const bad = await json(await call("POST", path, { body, token: "not-a-token" }));
      expect(bad.body.code, path).toBe("invalid_token");
    }
    // Reading orders is not checkout: an anonymous read stays unauthenticated.
    expect((await json(await call("GET", "/v1/orders"))).body.code).toBe("unauthenticated");
  });
});

describe("a product's version after a SKU edit", () => {
  it("moves with the SKU edit; the stale product edit's 409 says so, the answered version goes through", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0] ?? "";
    const skuEdit = await json<{ version: number; skus: { skuId: string; version: number }[] }>(
      await call("PATCH", `/admin/v1/skus/${skuId}`, { token: seller.token, body: { version: 1, weightGrams: 250 } }),
    );
    expect(skuEdit.status).toBe(200);
    expect(skuEdit.body.version).toBe(2);
    const stale = await json(
      await call("PATCH", `/admin/v1/products/${body.productId}`, {
        token: seller.token,
        body: { version: 1, description: "新描述" },
      }),
    );
    expect(stale).toMatchObject({
      status: 409,
      body: {
        code: "version_conflict",
        currentVersion: 2,
        detail: expect.stringContaining("editing or adding one of its SKUs moves the product's version too"),
      },
    });
    const fresh = await call("PATCH", `/admin/v1/products/${body.productId}`, {
      token: seller.token,
      body: { version: skuEdit.body.version, description: "新描述" },
    });
    expect(fresh.status).toBe(200);
  });
});

describe("a stock change that cannot be applied", () => {
  it("names the warehouse and that warehouse's own figure, on every path", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0] ?? "";
    const second = await json<{ warehouseId: string }>(
      await call("POST", "/admin/v1/warehouses", { token: seller.token, body: { name: "二仓", region: "CN-33" } }),
    );
    const hangzhou = second.body.warehouseId;
    const stock = (b: object) =>
      call("POST", `/admin/v1/skus/${skuId}/stock`, { token: seller.token, body: b }).then(json);
    await stock({ warehouseId: hangzhou, delta: 3, reason: "入库" });

    // The default warehouse holds 10 of the SKU's 13: the refusal quotes 10, and the total beside it.
    expect(await stock({ delta: -11, reason: "盘亏" })).toMatchObject({
      status: 409,
      body: {
        code: "insufficient_stock",
        warehouseId: seller.warehouseId,
        available: 10,
        requested: 11,
        skuAvailable: 13,
        detail: `SKU ${skuId}: Warehouse ${seller.warehouseId} has 10 available; cannot remove 11`,
      },
    });
    expect(await stock({ warehouseId: hangzhou, delta: -4, reason: "盘亏" })).toMatchObject({
      status: 409,
      body: { warehouseId: hangzhou, available: 3, requested: 4, skuAvailable: 13 },
    });
    const transfer = await json(
      await call("POST", `/admin/v1/skus/${skuId}/stock/transfers`, {
        token: seller.token,
        body: { fromWarehouseId: hangzhou, toWarehouseId: seller.warehouseId, quantity: 4, reason: "调拨" },
      }),
    );
    expect(transfer).toMatchObject({
      status: 409,
      body: { code: "insufficient_stock", warehouseId: hangzhou, available: 3, requested: 4, skuAvailable: 13 },
    });

    // A warehouse that is not the shop's is named, with the shop, on adjustments and transfers alike.
    const foreign = "wh_not_this_shops";
    const reason = `${foreign} is not a warehouse of shop ${seller.shopId}`;
    expect(await stock({ warehouseId: foreign, set: 1, reason: "x" })).toMatchObject({
      status: 400,
      body: { code: "validation_failed", errors: [{ field: "warehouseId", reason }] },
    });
    const badTransfer = await json(
      await call("POST", `/admin/v1/skus/${skuId}/stock/transfers`, {
        token: seller.token,
        body: { fromWarehouseId: seller.warehouseId, toWarehouseId: foreign, quantity: 1, reason: "调拨" },
      }),
    );
    expect(badTransfer).toMatchObject({ status: 400, body: { errors: [{ field: "toWarehouseId", reason }] } });
  });

  it("answers a shop without any warehouse no_warehouse, naming the shop and SKU, at creation as on adjustments", async () => {
    const seller = await newSeller();
    const shopId = seller.shopId ?? "";
    await env.DB.prepare("delete from warehouses where shop_id = ?").bind(shopId).run();
    const created = await postProduct(seller, tshirt());
    expect(created).toMatchObject({
      status: 422,
      body: {
        code: "no_warehouse",
        shopId: seller.shopId,
        detail: expect.stringContaining(`Shop ${seller.shopId} has no warehouse`),
      },
    });
    // The adjustment path's refusal is the same function's answer (no SKU of a warehouse-less shop can exist to call it on).
    await expect(stockWarehouse(dbOf(env.DB), { shopId, skuId: "sku_x" })).rejects.toMatchObject({
      code: "no_warehouse",
      extensions: { shopId, skuId: "sku_x" },
    });
  });
});
