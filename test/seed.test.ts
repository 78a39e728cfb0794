import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEMO_ADDRESS, DEMO_SHIPPING_TEMPLATE } from "../db/seed/fixtures";
import { rebuildSearchDocument } from "../shared/catalog/indexer";
import { dbOf } from "../shared/platform/db";
import { needsRehash, verifyPassword } from "../shared/users/password";
import { DEMO, tokenFor } from "./helpers/callers";
import { call, json } from "./helpers/http";

describe("demo seed", () => {
  it("has the local accounts of API.md with working passwords", async () => {
    const rows = await env.DB.prepare(
      "select username, role, password_hash from users where username in ('admin','seller1','shopper1') order by username",
    ).all<{
      username: string;
      role: string;
      password_hash: string;
    }>();
    expect(rows.results.map((r) => [r.username, r.role])).toEqual([
      ["admin", "operator"],
      ["seller1", "seller"],
      ["shopper1", "shopper"],
    ]);
    const admin = rows.results[0];
    expect(admin && (await verifyPassword("admin-dev-password", admin.password_hash))).toBe(true);
    expect(admin && (await verifyPassword("admin-dev-passwordX", admin.password_hash))).toBe(false);
    expect(admin && needsRehash(admin.password_hash)).toBe(false);
  });

  it("makes seller1 the owner of shop 1 and gives each shop a default warehouse", async () => {
    const shop = await env.DB.prepare(
      "select s.id, u.username from shops s join users u on u.id = s.owner_user_id where s.id = 'shp_00000000000000000000000001'",
    ).first();
    expect(shop).toEqual({ id: "shp_00000000000000000000000001", username: "seller1" });
    const warehouses = await env.DB.prepare("select count(*) as n from warehouses where is_default = 1").first<{
      n: number;
    }>();
    expect(warehouses?.n).toBeGreaterThanOrEqual(2);
  });

  it("has the catalog structure the seed's product JSON refers to, with the seed's names", async () => {
    const names = async (table: string, ids: number[]) =>
      (
        await env.DB.prepare(`select id, name from ${table} where id in (${ids.join(",")}) order by id`).all<{
          id: number;
          name: string;
        }>()
      ).results.map((r) => `${r.id}:${r.name}`);
    expect(await names("categories", [1003001, 1005002])).toEqual(["1003001:男士T恤", "1005002:流量充值"]);
    expect(await names("brands", [2001, 3001])).toEqual(["2001:NIKE", "3001:中国移动"]);
    expect(await names("attributes", [101, 102, 103, 104, 201, 202, 301, 302, 401, 402, 403])).toEqual([
      "101:品牌",
      "102:材质",
      "103:产地",
      "104:袖型",
      "201:颜色",
      "202:尺码",
      "301:运营商",
      "302:适用网络",
      "401:流量容量",
      "402:有效期",
      "403:流量类型",
    ]);
    const template = await env.DB.prepare(
      "select attribute_id, kind from category_attributes where category_id = 1003001 order by attribute_id",
    ).all();
    expect(template.results).toEqual([
      { attribute_id: 101, kind: "basic" },
      { attribute_id: 102, kind: "basic" },
      { attribute_id: 103, kind: "basic" },
      { attribute_id: 104, kind: "basic" },
      { attribute_id: 201, kind: "sales" },
      { attribute_id: 202, kind: "sales" },
    ]);
  });

  it("generates a catalog whose SKUs have prices and stock", async () => {
    const row = await env.DB.prepare(
      `select count(distinct p.id) as products, count(distinct s.id) as skus,
              sum(case when pr.id is null then 1 else 0 end) as unpriced
         from products p join skus s on s.product_id = p.id
         left join prices pr on pr.sku_id = s.id and pr.type = 'standard'`,
    ).first<{ products: number; skus: number; unpriced: number }>();
    expect(row?.products).toBe(40);
    expect(row?.skus).toBeGreaterThanOrEqual(40);
    expect(row?.unpriced).toBe(0);
  });

  it("indexes the generated catalog for search exactly as the catalog consumer would", async () => {
    const seeded = await env.DB.prepare(
      "select product_id, text, attributes, min_price, max_price, in_stock, category_path, status from search_documents order by product_id limit 3",
    ).all<Record<string, unknown>>();
    expect(seeded.results).toHaveLength(3);
    const fts = await env.DB.prepare("select count(*) as n from search_fts").first<{ n: number }>();
    expect(fts?.n).toBe(40);
    for (const doc of seeded.results) {
      await rebuildSearchDocument(dbOf(env.DB), String(doc.product_id), Date.now());
      const rebuilt = await env.DB.prepare(
        "select product_id, text, attributes, min_price, max_price, in_stock, category_path, status from search_documents where product_id = ?",
      )
        .bind(doc.product_id)
        .first();
      expect(rebuilt).toEqual(doc);
    }
  });

  it("lets shopper1 check out at once: an address, and shop 1's shipping template", async () => {
    const sku = await env.DB.prepare(
      "select s.id from skus s join products p on p.id = s.product_id where p.shop_id = ? and p.status = 10 and s.weight_grams > 0 limit 1",
    )
      .bind(DEMO.seller1.shopId)
      .first<{ id: string }>();
    expect(sku).not.toBeNull();
    const quote = await json<{ orders: { sellerId: string; shippingFee: { amount: number } }[] }>(
      await call("POST", "/v1/checkout/quote", {
        token: await tokenFor(DEMO.shopper),
        body: { items: [{ skuId: sku?.id, quantity: 1 }], addressId: DEMO_ADDRESS.id },
      }),
    );
    expect(quote.status, JSON.stringify(quote.body)).toBe(200);
    expect(quote.body.orders[0]?.sellerId).toBe(DEMO.seller1.shopId);
    const template = await json<{ isDefault: boolean; freeThreshold: number }>(
      await call("GET", "/admin/v1/shipping-template", { token: await tokenFor(DEMO.seller1) }),
    );
    expect(template.body).toMatchObject({ isDefault: false, freeThreshold: DEMO_SHIPPING_TEMPLATE.freeThreshold });
  });

  it("is idempotent: loading it again changes nothing", async () => {
    const count = async () =>
      (
        await env.DB.prepare("select (select count(*) from users) + (select count(*) from skus) as n").first<{
          n: number;
        }>()
      )?.n;
    const before = await count();
    await env.DB.batch(env.TEST_SEED.map((s) => env.DB.prepare(s)));
    expect(await count()).toBe(before);
  });
});
