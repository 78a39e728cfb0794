import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import {
  addGreyXlSku,
  newSeller,
  operatorToken,
  postProduct,
  putOnShelf,
  SEED_DATA_PACK,
  SEED_TSHIRT,
  tshirt,
} from "../helpers/catalog";
import { call, json } from "../helpers/http";

type Product = {
  productId: string;
  status: string;
  version: number;
  basicAttributes: { attributeId: number; attributeName: string; value: string }[];
  skus: {
    skuId: string;
    skuName: string;
    version: number;
    price: { amount: number; currency: string } | null;
    stock: { available: number };
    salesAttributes: unknown[];
  }[];
};

async function getProduct(token: string, productId: string) {
  return json<Product>(await call("GET", `/admin/v1/products/${productId}`, { token }));
}

describe("the seed's product JSON", () => {
  it.each([
    ["the T-shirt", SEED_TSHIRT, [7900, 7900], [100, 150]],
    ["the data pack", SEED_DATA_PACK, [500, 2000, 3800], [9999, 9999, 9999]],
  ])(
    "posts %s as written and puts it on shelf after submit → approve → on-shelf",
    async (_name, body, prices, stock) => {
      const seller = await newSeller();
      const created = await postProduct(seller, body);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({
        status: "DRAFT",
        skuIds: expect.arrayContaining([expect.stringMatching(/^sku_/)]),
      });
      expect(created.body.skuIds).toHaveLength(prices.length);
      await putOnShelf(seller, created.body.productId);
      const product = await getProduct(seller.token, created.body.productId);
      expect(product.body.status).toBe("ON_SHELF");
      expect(product.body.skus.map((s) => s.price?.amount)).toEqual(prices);
      expect(product.body.skus.map((s) => s.stock.available)).toEqual(stock);
      const seed = JSON.parse(body) as { basicAttributes: { attributeId: number; value: string }[] };
      expect(product.body.basicAttributes.map((a) => [a.attributeId, a.value])).toEqual(
        seed.basicAttributes.map((a) => [a.attributeId, a.value]),
      );
    },
  );
});

describe("product validation", () => {
  it("names each problem against the category template and changes nothing", async () => {
    const seller = await newSeller();
    const body = tshirt({
      skus: [
        {
          skuName: "a",
          price: 79.001,
          stock: 1,
          salesAttributes: [
            { attributeId: 201, value: "黑色" },
            { attributeId: 202, value: "L" },
          ],
        },
        {
          skuName: "b",
          price: 10,
          stock: 1,
          salesAttributes: [
            { attributeId: 201, value: "黑色" },
            { attributeId: 202, value: "L" },
          ],
        },
        {
          skuName: "c",
          price: 10,
          stock: 1,
          salesAttributes: [
            { attributeId: 201, value: "紫色" },
            { attributeId: 999, value: "x" },
          ],
        },
      ],
    });
    body.basicAttributes = [
      { attributeId: 101, value: "NIKE" },
      { attributeId: 201, value: "黑色" },
    ];
    const res = await postProduct(seller, body);
    expect(res.status).toBe(400);
    const errors = (res.body as unknown as { errors: { field: string; reason: string }[] }).errors;
    const byField = Object.fromEntries(errors.map((e) => [e.field, e.reason]));
    expect(byField).toMatchObject({
      basicAttributes: expect.stringContaining("102"),
      "basicAttributes.1.attributeId": expect.stringContaining("not a basic attribute"),
      "skus.0.price": expect.stringContaining("decimal places"),
      "skus.1.salesAttributes": expect.stringContaining("same sales attributes as skus.0"),
      "skus.2.salesAttributes.0.value": expect.stringContaining("must be one of"),
      "skus.2.salesAttributes.1.attributeId": expect.stringContaining("999"),
      "skus.2.salesAttributes": expect.stringContaining("202"),
    });
    const count = await env.DB.prepare("select count(*) as n from products where shop_id = ?")
      .bind(seller.shopId)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it("refuses unknown categories and brands, naming the field", async () => {
    const seller = await newSeller();
    const body = tshirt();
    const res = await postProduct(seller, { ...body, categoryId: 424242, spu: { ...body.spu, brandId: 999999 } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('"field":"categoryId"');
    expect(JSON.stringify(res.body)).toContain('"field":"spu.brandId"');
  });

  it("refuses an accidental duplicate product and a reused seller SKU code in one shop, naming who holds them", async () => {
    const seller = await newSeller();
    const body = tshirt();
    const first = await postProduct(seller, body);
    expect(first.status).toBe(201);
    const again = await postProduct(seller, body);
    expect(again, JSON.stringify(again.body)).toMatchObject({
      status: 409,
      body: { code: "duplicate_product", productId: first.body.productId, shopId: seller.shopId },
    });
    expect((again.body as { detail?: string }).detail).toContain(first.body.productId);
    const other = await newSeller();
    expect((await postProduct(other, body)).status).toBe(201);

    const coded = (name: string) =>
      tshirt({
        name,
        skus: [
          {
            skuName: "x",
            price: 10,
            stock: 1,
            sellerSkuCode: "TEE-001",
            salesAttributes: [
              { attributeId: 201, value: "黑色" },
              { attributeId: 202, value: "L" },
            ],
          },
        ],
      });
    const holder = await postProduct(seller, coded(`coded-a-${Date.now()}`));
    expect(holder.status).toBe(201);
    expect(await postProduct(seller, coded(`coded-b-${Date.now()}`))).toMatchObject({
      status: 409,
      body: {
        code: "duplicate_sku_code",
        sellerSkuCode: "TEE-001",
        skuId: holder.body.skuIds[0],
        productId: holder.body.productId,
      },
    });
  });
});

describe("editing, versions, snapshots and the operation log", () => {
  it("edits with the current version, refuses a stale one, and writes a snapshot per edit", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const edit = (version: number, name: string) =>
      call("PATCH", `/admin/v1/products/${body.productId}`, { token: seller.token, body: { version, name } }).then(
        json<Product>,
      );
    const first = await edit(1, "新名字");
    expect(first).toMatchObject({ status: 200, body: { version: 2 } });
    expect(await edit(1, "stale")).toMatchObject({
      status: 409,
      body: { code: "version_conflict", currentVersion: 2 },
    });

    const racing = await Promise.all(Array.from({ length: 8 }, (_, i) => edit(2, `race ${i}`)));
    expect(racing.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of racing.filter((r) => r.status !== 200)) expect(r.body).toMatchObject({ code: "version_conflict" });

    const snapshots = await json<{ items: { version: number; contentHash: string; content: { name: string } }[] }>(
      await call("GET", `/admin/v1/products/${body.productId}/snapshots`, { token: seller.token }),
    );
    expect(snapshots.body.items.map((s) => s.version)).toEqual([3, 2, 1]);
    expect(snapshots.body.items[1]?.content.name).toBe("新名字");
    expect(new Set(snapshots.body.items.map((s) => s.contentHash)).size).toBe(3);

    const logs = await json<{
      items: { operation: string; entityType: string; before: unknown; after: { name?: string } }[];
    }>(
      await call("GET", `/admin/v1/operation-logs?entityType=product&entityId=${body.productId}`, {
        token: seller.token,
      }),
    );
    expect(logs.body.items.map((l) => l.operation)).toEqual(["update", "update", "create"]);
    expect(logs.body.items[1]?.after.name).toBe("新名字");
  });

  it("edits a SKU with its version and snapshots the product", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0];
    const res = await json<Product>(
      await call("PATCH", `/admin/v1/skus/${skuId}`, {
        token: seller.token,
        body: { version: 1, skuName: "黑色 L 新款", weightGrams: 220 },
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.version).toBe(2);
    expect(res.body.skus.find((s) => s.skuId === skuId)).toMatchObject({ skuName: "黑色 L 新款", version: 2 });
    expect(
      (await call("PATCH", `/admin/v1/skus/${skuId}`, { token: seller.token, body: { version: 1, skuName: "x" } }))
        .status,
    ).toBe(409);
    const clash = await json(
      await call("PATCH", `/admin/v1/skus/${skuId}`, {
        token: seller.token,
        body: {
          version: 2,
          salesAttributes: [
            { attributeId: 201, value: "白色" },
            { attributeId: 202, value: "M" },
          ],
        },
      }),
    );
    expect(clash).toMatchObject({ status: 400, body: { code: "validation_failed" } });
  });

  it("adds a SKU to an existing product (create SPU, then SKUs)", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const res = await addGreyXlSku<Product>(seller, body.productId, 1, {
      skuName: "灰色 XL",
      price: "99.90",
      stock: 7,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.product.skus).toHaveLength(3);
    expect(res.body.product.skus.find((s) => s.skuId === res.body.skuId)).toMatchObject({
      price: { amount: 9990 },
      stock: { available: 7 },
    });
  });

  it("lists a shop's own products, newest first, filtered by status", async () => {
    const seller = await newSeller();
    const first = await postProduct(seller, tshirt());
    const second = await postProduct(seller, tshirt());
    await call("POST", `/admin/v1/products/${second.body.productId}/submit`, { token: seller.token });
    const all = await json<{ items: { productId: string; status: string }[] }>(
      await call("GET", "/admin/v1/products", { token: seller.token }),
    );
    expect(all.body.items.map((p) => p.productId)).toEqual([second.body.productId, first.body.productId]);
    const drafts = await json<{ items: { productId: string }[] }>(
      await call("GET", "/admin/v1/products?status=DRAFT", { token: seller.token }),
    );
    expect(drafts.body.items.map((p) => p.productId)).toEqual([first.body.productId]);
    const other = await newSeller();
    expect(
      (await json<{ items: unknown[] }>(await call("GET", "/admin/v1/products", { token: other.token }))).body.items,
    ).toEqual([]);
  });

  it("hides another shop's product behind 404", async () => {
    const owner = await newSeller();
    const other = await newSeller();
    const { body } = await postProduct(owner, tshirt());
    expect((await call("GET", `/admin/v1/products/${body.productId}`, { token: other.token })).status).toBe(404);
    expect(
      (
        await call("PATCH", `/admin/v1/products/${body.productId}`, {
          token: other.token,
          body: { version: 1, name: "x" },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call("POST", `/admin/v1/skus/${body.skuIds[0]}/stock`, {
          token: other.token,
          body: { delta: 1, reason: "x" },
        })
      ).status,
    ).toBe(404);
    expect((await call("GET", `/admin/v1/products/${body.productId}`, { token: await operatorToken() })).status).toBe(
      200,
    );
  });
});

describe("the lifecycle through the API", () => {
  it("answers an illegal transition with 409 and the current status, and a wrong actor with 403", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const onShelf = await json(
      await call("POST", `/admin/v1/products/${body.productId}/on-shelf`, { token: seller.token, body: {} }),
    );
    expect(onShelf).toMatchObject({ status: 409, body: { code: "invalid_transition", currentStatus: "DRAFT" } });
    expect((await call("POST", `/admin/v1/products/${body.productId}/submit`, { token: seller.token })).status).toBe(
      200,
    );
    expect(
      (
        await json(
          await call("POST", `/admin/v1/products/${body.productId}/approve`, { token: seller.token, body: {} }),
        )
      ).status,
    ).toBe(403);
    const reject = await json(
      await call("POST", `/admin/v1/products/${body.productId}/reject`, { token: await operatorToken(), body: {} }),
    );
    expect(reject).toMatchObject({ status: 400, body: { errors: [{ field: "reason" }] } });
    const rejected = await json(
      await call("POST", `/admin/v1/products/${body.productId}/reject`, {
        token: await operatorToken(),
        body: { reason: "图片不清晰" },
      }),
    );
    expect(rejected).toMatchObject({ status: 200, body: { status: "AUDIT_REJECTED" } });
  });

  it("enters and leaves SOLD_OUT automatically with stock", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    await putOnShelf(seller, body.productId);
    for (const skuId of body.skuIds) {
      const res = await json(
        await call("POST", `/admin/v1/skus/${skuId}/stock`, {
          token: seller.token,
          body: { set: 0, reason: "stock take" },
        }),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    expect((await getProduct(seller.token, body.productId)).body.status).toBe("SOLD_OUT");
    await call("POST", `/admin/v1/skus/${body.skuIds[0]}/stock`, {
      token: seller.token,
      body: { delta: 3, reason: "received" },
    });
    expect((await getProduct(seller.token, body.productId)).body.status).toBe("ON_SHELF");
    const logs = await json<{ items: { operation: string; actorType: string }[] }>(
      await call("GET", `/admin/v1/operation-logs?entityType=product&entityId=${body.productId}`, {
        token: seller.token,
      }),
    );
    expect(logs.body.items.filter((l) => l.actorType === "system").map((l) => l.operation)).toEqual([
      "restock",
      "sell-out",
    ]);
  });
});

describe("prices", () => {
  it("shows the effective price: a live promo beats standard, a future one does not", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    const skuId = body.skuIds[0];
    const put = (prices: object[]) =>
      call("PUT", `/admin/v1/skus/${skuId}/prices`, { token: seller.token, body: { prices } }).then(json);
    const live = await put([
      { type: "standard", price: { amount: 7900, currency: "CNY" } },
      {
        type: "promo",
        price: { amount: 5900, currency: "CNY" },
        effectiveAt: new Date(Date.now() - 60_000).toISOString(),
      },
    ]);
    expect(live).toMatchObject({ status: 200, body: { price: { amount: 5900, currency: "CNY" } } });
    const future = await put([
      { type: "standard", price: { amount: 7900, currency: "CNY" } },
      {
        type: "promo",
        price: { amount: 5900, currency: "CNY" },
        effectiveAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
    ]);
    expect(future.body).toMatchObject({ price: { amount: 7900 } });
    expect((await put([{ type: "promo", price: { amount: 1, currency: "CNY" } }])).status).toBe(400);
  });
});

describe("catalog events", () => {
  it("keeps a search document per product, refreshed on every change", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, SEED_TSHIRT);
    await putOnShelf(seller, body.productId);
    await vi.waitUntil(
      async () => {
        const doc = await env.DB.prepare("select status, text, min_price from search_documents where product_id = ?")
          .bind(body.productId)
          .first<{
            status: number;
            text: string;
            min_price: number;
          }>();
        return doc?.status === 10 ? doc : null;
      },
      { timeout: 10_000, interval: 100 },
    );
    const doc = await env.DB.prepare(
      "select text, min_price, in_stock, category_path from search_documents where product_id = ?",
    )
      .bind(body.productId)
      .first<{
        text: string;
        min_price: number;
        in_stock: number;
        category_path: string;
      }>();
    expect(doc?.text).toContain("经典圆领男士T恤");
    expect(doc?.text).toContain("NIKE");
    expect(doc?.text).toContain("男士T恤");
    expect(doc).toMatchObject({ min_price: 7900, in_stock: 1, category_path: "/1003/1003001/" });
  });
});
