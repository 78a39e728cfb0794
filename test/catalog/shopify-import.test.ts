/**
 * Importing a real Shopify product export (test/fixtures/shopify-export.csv: 15 products on 67
 * rows in the exact column layout Shopify exports) through the seller's category mapping.
 */
import { createMessageBatch, env } from "cloudflare:test";
import Papa from "papaparse";
import { describe, expect, it, vi } from "vitest";
import { makeEvent } from "../../shared/events/messages";
import { newId } from "../../shared/platform/ids";
import { handleBatch } from "../../workers/events/worker";
import exportText from "../fixtures/shopify-export.csv?raw";
import { newSeller, operatorToken, type Seller } from "../helpers/catalog";
import { call, json } from "../helpers/http";

type Job = {
  jobId: string;
  status: string;
  total: number;
  done: number;
  failed: number;
  errors: { row: number; ref: string | null; code: string; detail: string }[];
  created: { row: number; ref: string | null; productId: string; status: string; warnings: string[] }[];
};

type Product = {
  productId: string;
  categoryId: number;
  brandId: number | null;
  name: string;
  description: string;
  status: string;
  basicAttributes: { attributeName: string; value: string }[];
  images: string[];
  skus: {
    sellerSkuCode: string | null;
    salesAttributes: { attributeName: string; value: string }[];
    price: { amount: number; currency: string };
    prices: { type: string; price: { amount: number } }[];
    weightGrams: number | null;
    stock: { available: number };
  }[];
};

/** The mapping a seller sets for the fixture: entries by our category's name, path and id. */
const FIXTURE_MAPPING = {
  mappings: [
    {
      type: "T-Shirts",
      category: "男士T恤",
      attributeDefaults: [{ attribute: "产地", value: "中国" }],
      options: [
        { option: "Color", attribute: "颜色", values: { Black: "黑色", White: "白色", Grey: "灰色", Navy: "藏青色" } },
        { option: "Size", attribute: "尺码" },
      ],
      metafields: [{ key: "custom.material", attribute: "材质" }],
    },
    { type: "T恤", category: "服装 > 男士T恤", metafields: [{ key: "custom.material", attribute: 102 }] },
    {
      type: "Running Shoes",
      category: 1003003,
      options: [
        { option: "Color", attribute: "颜色", values: { Black: "黑色", White: "白色" } },
        { option: "Size", attribute: 202 },
      ],
    },
    {
      productCategory: "Apparel & Accessories > Clothing > Dresses",
      category: "女士连衣裙",
      options: [
        { option: "Color", attribute: "颜色", values: { Black: "黑色", Red: "红色", Blue: "蓝色" } },
        { option: "Size", attribute: "尺码" },
      ],
      metafields: [{ key: "custom.material", attribute: "材质" }],
    },
    { productCategory: "Apparel & Accessories > Shoes", category: "服装 > 运动鞋" },
    {
      type: "Smartphones",
      category: 1001001,
      options: [
        { option: "Color", attribute: "颜色" },
        { option: "Storage", attribute: "存储容量" },
      ],
    },
    { type: "Headphones", category: "数码 > 耳机", options: [{ option: "Color", attribute: "颜色" }] },
    {
      type: "Bedding",
      category: "家居 > 床上用品",
      options: [{ option: "Size", attribute: "规格" }],
      metafields: [{ key: "custom.material", attribute: "材质" }],
    },
    {
      type: "Tea",
      category: 1004001,
      attributeDefaults: [
        { attribute: "产地", value: "浙江杭州" },
        { attribute: "规格", value: "标准装" },
      ],
      options: [{ option: "Weight", attribute: "规格" }],
    },
  ],
};

async function putMapping(token: string, body: unknown, query = "") {
  return json<{ shopId: string; mappings: Record<string, unknown>[] } & Record<string, unknown>>(
    await call("PUT", `/admin/v1/import-mappings/categories${query}`, { token, body }),
  );
}

async function submitCsv(seller: Seller, csv: string, query = "") {
  const res = await json<{ jobId: string; total: number }>(
    await call("POST", `/admin/v1/bulk-jobs?kind=import${query}`, {
      token: seller.token,
      rawBody: csv,
      headers: { "content-type": "text/csv" },
    }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body;
}

async function finished(seller: Seller, jobId: string): Promise<Job> {
  return vi.waitUntil(
    async () => {
      const job = await json<Job>(await call("GET", `/admin/v1/bulk-jobs/${jobId}`, { token: seller.token }));
      return job.body.status === "completed" || job.body.status === "failed" ? job.body : null;
    },
    { timeout: 50_000, interval: 250 },
  );
}

async function product(seller: Seller, productId: string): Promise<Product> {
  const res = await json<Product>(await call("GET", `/admin/v1/products/${productId}`, { token: seller.token }));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function tagsOf(productId: string): Promise<string[]> {
  const rows = await env.DB.prepare(
    "select t.name from product_tags pt join tags t on t.id = pt.tag_id where pt.product_id = ? order by t.name",
  )
    .bind(productId)
    .all<{ name: string }>();
  return rows.results.map((r) => r.name);
}

/** The fixture read independently of the importer: each handle's variant rows and product row. */
function fixtureByHandle() {
  const rows = Papa.parse<Record<string, string>>(exportText, { header: true, skipEmptyLines: "greedy" }).data;
  const out = new Map<
    string,
    { first: Record<string, string>; variants: Record<string, string>[]; images: string[] }
  >();
  for (const r of rows) {
    const handle = r.Handle ?? "";
    const entry = out.get(handle) ?? { first: r, variants: [], images: [] };
    if (r["Variant SKU"]) entry.variants.push(r);
    if (r["Image Src"]) entry.images.push(r["Image Src"]);
    if (r["Variant Image"] && !entry.images.includes(r["Variant Image"])) entry.images.push(r["Variant Image"]);
    out.set(handle, entry);
  }
  return out;
}

const cents = (decimal: string) => Math.round(Number(decimal) * 100);

/** A small export: one mapped product and one whose Type is in no mapping. */
function smallExport(rows: string[]): string {
  return [
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Compare At Price,Image Src,Image Position,Status,Attribute: 材质",
    ...rows,
  ].join("\n");
}

describe("Shopify export import", () => {
  it("imports the real export completely: every product with its variants, sale prices, weights, tags, images and status", async () => {
    const seller = await newSeller();
    const mapped = await putMapping(seller.token, FIXTURE_MAPPING);
    expect(mapped.status, JSON.stringify(mapped.body)).toBe(200);
    const submitted = await submitCsv(seller, exportText);
    const fixture = fixtureByHandle();
    expect(fixture.size).toBe(15);
    expect(submitted.total).toBe(15);
    const job = await finished(seller, submitted.jobId);
    expect(job, JSON.stringify(job.errors)).toMatchObject({ status: "completed", total: 15, done: 15, failed: 0 });
    expect(job.errors).toEqual([]);
    expect(job.created.map((c) => c.ref)).toEqual([...fixture.keys()]);

    const rows = Papa.parse<Record<string, string>>(exportText, { header: true, skipEmptyLines: "greedy" }).data;
    expect(rows.length).toBeGreaterThanOrEqual(50);
    for (const created of job.created) {
      const source = fixture.get(created.ref ?? "");
      if (!source) throw new Error(`no handle ${created.ref} in the fixture`);
      const p = await product(seller, created.productId);
      const where = `${created.ref}: ${JSON.stringify(p)}`;
      expect(p.name, where).toBe(source.first.Title);
      expect(p.description, where).toBe(source.first["Body (HTML)"]);
      // Status: active → submitted for review; draft and archived stay DRAFT.
      const wanted = source.first.Status === "active" ? "PENDING_AUDIT" : "DRAFT";
      expect(p.status, where).toBe(wanted);
      expect(created.status, where).toBe(wanted);
      expect(p.images, where).toEqual(source.images);
      expect(await tagsOf(p.productId), where).toEqual(
        (source.first.Tags ?? "")
          .split(",")
          .map((t) => t.trim())
          .sort(),
      );
      // Every variant a SKU, in the export's order, with its stock and weight.
      expect(
        p.skus.map((s) => s.sellerSkuCode),
        where,
      ).toEqual(source.variants.map((v) => v["Variant SKU"]));
      source.variants.forEach((v, i) => {
        const sku = p.skus[i];
        const price = cents(v["Variant Price"] ?? "");
        const compareAt = v["Variant Compare At Price"] ? cents(v["Variant Compare At Price"]) : null;
        expect(sku?.stock.available, where).toBe(Number(v["Variant Inventory Qty"]));
        expect(sku?.weightGrams, where).toBe(Number(v["Variant Grams"]));
        // The shopper pays the Variant Price; a higher compare-at price is the standard price.
        expect(sku?.price, where).toEqual({ amount: price, currency: "CNY" });
        expect(
          sku?.prices.map((r) => [r.type, r.price.amount]),
          where,
        ).toEqual(
          compareAt !== null && compareAt > price
            ? [
                ["standard", compareAt],
                ["promo", price],
              ]
            : [["standard", price]],
        );
      });
    }

    const byHandle = new Map(job.created.map((c) => [c.ref, c]));
    const tee = await product(seller, byHandle.get("classic-cotton-tee")?.productId ?? "");
    // Type entry by our category's name; Vendor fills 品牌; the metafield 材质; the mapping's default 产地.
    expect(tee).toMatchObject({ categoryId: 1003001, brandId: 2003 });
    expect(tee.basicAttributes.map((a) => [a.attributeName, a.value]).sort()).toEqual(
      [
        ["产地", "中国"],
        ["品牌", "优衣库"],
        ["材质", "100% Cotton"],
      ].sort(),
    );
    expect(tee.skus[0]?.salesAttributes.map((a) => [a.attributeName, a.value])).toEqual([
      ["颜色", "黑色"],
      ["尺码", "S"],
    ]);
    // By path; by id (Type wins over the Product Category's entry); by Product Category alone,
    // by a path above it, by our category's own name (no entry).
    const categoryOf = async (handle: string) =>
      (await product(seller, byHandle.get(handle)?.productId ?? "")).categoryId;
    expect(await categoryOf("linen-blend-tee")).toBe(1003001);
    expect(await categoryOf("pegasus-41")).toBe(1003003);
    expect(await categoryOf("floral-midi-dress")).toBe(1003002);
    expect(await categoryOf("silk-slip-dress")).toBe(1003002);
    expect(await categoryOf("way-of-wade-10")).toBe(1003003);
    expect(await categoryOf("xiaomi-buds-5")).toBe(1001002);
    expect(await categoryOf("iphone-15")).toBe(1001001);
    expect(await categoryOf("luolai-duvet-cover")).toBe(1002001);
    const oolong = await product(seller, byHandle.get("oolong-sampler")?.productId ?? "");
    // One variant (Title / Default Title): 规格 from the mapping's default, 产地 too.
    expect(oolong.skus.map((s) => s.salesAttributes.map((a) => [a.attributeName, a.value]))).toEqual([
      [["规格", "标准装"]],
    ]);
    expect(oolong.basicAttributes.map((a) => [a.attributeName, a.value])).toEqual([["产地", "浙江杭州"]]);
    // What could not be carried over is said, not dropped silently.
    expect(byHandle.get("ultraboost-light")?.warnings).toEqual([expect.stringContaining("archived")]);
    expect(byHandle.get("silk-slip-dress")?.warnings).toEqual([expect.stringContaining('Vendor "Maison Lune"')]);
    expect(byHandle.get("classic-cotton-tee")?.warnings).toEqual([]);
  }, 90_000);

  it("fails a product whose Type has no mapping with an error naming the Type and how to map it; the rest import", async () => {
    const seller = await newSeller();
    expect((await putMapping(seller.token, FIXTURE_MAPPING)).status).toBe(200);
    const csv = smallExport([
      "hoodie,Fleece Hoodie,<p>Warm</p>,优衣库,,Hoodies,,TRUE,Color,Black,Size,M,HD-BLK-M,400,3,199.00,,,,active,棉",
      "tee-one,Plain Tee,,优衣库,,T-Shirts,plain,TRUE,Color,Black,Size,M,PT-BLK-M,180,3,59.00,,,,draft,棉",
    ]);
    const job = await finished(seller, (await submitCsv(seller, csv)).jobId);
    expect(job).toMatchObject({ status: "completed", total: 2, done: 1, failed: 1 });
    expect(job.created.map((c) => c.ref)).toEqual(["tee-one"]);
    expect(job.errors).toEqual([
      {
        row: 1,
        ref: "hoodie",
        code: "unknown_category",
        detail: expect.stringContaining('Type "Hoodies" has no category mapping'),
      },
    ]);
    const detail = job.errors[0]?.detail ?? "";
    expect(detail).toContain('{"type": "Hoodies", "category": <our category id, name or path>}');
    expect(detail).toContain("PUT /admin/v1/import-mappings/categories");
  }, 30_000);

  it("marks a job whose every row failed as failed, not completed", async () => {
    const seller = await newSeller();
    const csv = smallExport([
      "hoodie,Fleece Hoodie,,优衣库,,Hoodies,,TRUE,Color,Black,Size,M,HD-BLK-M,400,3,199.00,,,,active,棉",
      "beanie,Wool Beanie,,优衣库,,Hats,,TRUE,Color,Black,,,BN-BLK,100,3,89.00,,,,active,棉",
    ]);
    const job = await finished(seller, (await submitCsv(seller, csv)).jobId);
    expect(job).toMatchObject({ status: "failed", total: 2, done: 0, failed: 2, created: [] });
    expect(job.errors.map((e) => [e.ref, e.code])).toEqual([
      ["hoodie", "unknown_category"],
      ["beanie", "unknown_category"],
    ]);
  });

  it("takes attributes from Attribute: and metafield columns, and says which required one is missing and where to give it", async () => {
    const seller = await newSeller();
    expect(
      (await putMapping(seller.token, { mappings: [{ type: "T-Shirts", category: 1003001, options: [] }] })).status,
    ).toBe(200);
    const header =
      "Handle,Title,Vendor,Type,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Price,Attribute: 材质,Product metafields: custom.sleeve,Attribute: 袖型";
    const csv = [
      header,
      "with-columns,Column Tee,NIKE,T-Shirts,颜色,黑色,尺码,L,COL-1,79.00,棉,,短袖",
      "metafield-only,Metafield Tee,NIKE,T-Shirts,颜色,白色,尺码,M,COL-2,79.00,,长袖,",
      "no-material,Bare Tee,NIKE,T-Shirts,颜色,白色,尺码,S,COL-3,79.00,,,",
    ].join("\n");
    const job = await finished(seller, (await submitCsv(seller, csv)).jobId);
    expect(job).toMatchObject({ done: 1, failed: 2 });
    const created = await product(seller, job.created[0]?.productId ?? "");
    expect(created.basicAttributes.map((a) => [a.attributeName, a.value]).sort()).toEqual(
      [
        ["品牌", "NIKE"],
        ["材质", "棉"],
        ["袖型", "短袖"],
      ].sort(),
    );
    expect(job.errors.map((e) => e.ref)).toEqual(["metafield-only", "no-material"]);
    for (const error of job.errors) {
      expect(error.detail).toContain("男士T恤 requires the attribute 材质");
      expect(error.detail).toContain('add a column "Attribute: 材质"');
    }
    // With the metafield mapped and a default for 材质, both import.
    expect(
      (
        await putMapping(seller.token, {
          mappings: [
            {
              type: "T-Shirts",
              category: 1003001,
              attributeDefaults: [{ attribute: "材质", value: "涤纶" }],
              metafields: [{ key: "custom.sleeve", attribute: "袖型" }],
            },
          ],
        })
      ).status,
    ).toBe(200);
    const again = await finished(
      seller,
      (await submitCsv(seller, csv.replace(/COL-1/, "COL-1B").replace("Column Tee", "Column Tee 2"))).jobId,
    );
    expect(again.errors).toEqual([]);
    const metafieldTee = await product(seller, again.created[1]?.productId ?? "");
    expect(metafieldTee.basicAttributes.map((a) => [a.attributeName, a.value]).sort()).toEqual(
      [
        ["品牌", "NIKE"],
        ["材质", "涤纶"],
        ["袖型", "长袖"],
      ].sort(),
    );
  }, 30_000);

  it("finishes, and never repeats, a product when its chunk is delivered again after a crash", async () => {
    const seller = await newSeller();
    expect((await putMapping(seller.token, FIXTURE_MAPPING)).status).toBe(200);
    const csv = smallExport([
      "sale-tee,Sale Tee,,优衣库,,T-Shirts,sale,TRUE,Color,Black,Size,M,ST-BLK-M,180,3,59.00,89.00,,,active,棉",
      "sale-tee,,,,,,,,,White,,M,ST-WHT-M,180,3,59.00,89.00,,,,",
    ]);
    const { jobId } = await submitCsv(seller, csv);
    const first = await finished(seller, jobId);
    expect(first).toMatchObject({ done: 1, created: [{ ref: "sale-tee", status: "PENDING_AUDIT" }] });
    // As if the Worker died right after creating the product: no sale prices, tags or submission yet,
    // and the row not marked done.
    const productId = first.created[0]?.productId ?? "";
    await env.DB.batch([
      env.DB.prepare(
        "update bulk_job_rows set status = 'pending', result_id = null, outcome = null where job_id = ?",
      ).bind(jobId),
      env.DB.prepare("update products set status = 0 where id = ?").bind(productId),
      env.DB.prepare(
        "delete from prices where type = 'promo' and sku_id in (select id from skus where product_id = ?)",
      ).bind(productId),
      env.DB.prepare("delete from product_tags where product_id = ?").bind(productId),
    ]);
    const redelivery = {
      id: newId("request"),
      timestamp: new Date(),
      attempts: 2,
      body: makeEvent("bulk.chunk_ready", { jobId, chunk: 0 }, Date.now()),
    };
    await handleBatch(createMessageBatch("bulk-jobs", [redelivery]), env);
    const again = await json<Job>(await call("GET", `/admin/v1/bulk-jobs/${jobId}`, { token: seller.token }));
    expect(again.body).toMatchObject({
      status: "completed",
      done: 1,
      created: [{ ref: "sale-tee", status: "PENDING_AUDIT" }],
    });
    expect(again.body.created[0]?.productId).toBe(first.created[0]?.productId);
    const count = await env.DB.prepare("select count(*) as n from products where shop_id = ?")
      .bind(seller.shopId)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
    const p = await product(seller, first.created[0]?.productId ?? "");
    expect(p.skus.map((s) => s.prices.map((r) => [r.type, r.price.amount]))).toEqual([
      [
        ["standard", 8900],
        ["promo", 5900],
      ],
      [
        ["standard", 8900],
        ["promo", 5900],
      ],
    ]);
    expect(await tagsOf(p.productId)).toEqual(["sale"]);
  }, 30_000);

  it("imports the CSV example the OpenAPI document pre-fills, without a mapping (its Type is our category's name)", async () => {
    const seller = await newSeller();
    const doc = await json<{
      paths: Record<string, { post: { requestBody: { content: Record<string, { example: string }> } } }>;
    }>(await call("GET", "/admin/openapi.json"));
    const example = doc.body.paths["/admin/v1/bulk-jobs"]?.post.requestBody.content["text/csv"]?.example ?? "";
    const job = await finished(seller, (await submitCsv(seller, example)).jobId);
    expect(job, JSON.stringify(job.errors)).toMatchObject({
      status: "completed",
      failed: 0,
      created: [{ ref: "pegasus-41" }],
    });
  });

  it("takes the file's currency from the submission", async () => {
    const seller = await newSeller();
    expect((await putMapping(seller.token, FIXTURE_MAPPING)).status).toBe(200);
    const csv = smallExport([
      "usd-tee,USD Tee,,优衣库,,T-Shirts,,TRUE,Color,Black,Size,M,USD-1,180,3,19.99,,,,draft,棉",
    ]);
    const job = await finished(seller, (await submitCsv(seller, csv, "&currency=USD")).jobId);
    const p = await product(seller, job.created[0]?.productId ?? "");
    expect(p.skus[0]?.price).toEqual({ amount: 1999, currency: "USD" });
  }, 30_000);
});

describe("category mapping routes", () => {
  it("stores the mapping with each category and attribute resolved, and answers it on GET", async () => {
    const seller = await newSeller();
    const put = await putMapping(seller.token, FIXTURE_MAPPING);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const got = await json<typeof put.body>(
      await call("GET", "/admin/v1/import-mappings/categories", { token: seller.token }),
    );
    expect(got.body).toEqual(put.body);
    expect(got.body).toMatchObject({ shopId: seller.shopId, updatedAt: expect.any(String) });
    expect(got.body.mappings).toHaveLength(FIXTURE_MAPPING.mappings.length);
    expect(got.body.mappings[0]).toEqual({
      type: "T-Shirts",
      productCategory: null,
      category: { id: 1003001, name: "男士T恤", path: "服装 > 男士T恤" },
      attributeDefaults: [{ attributeId: 103, attributeName: "产地", kind: "basic", value: "中国" }],
      options: [
        {
          option: "Color",
          attributeId: 201,
          attributeName: "颜色",
          values: { Black: "黑色", White: "白色", Grey: "灰色", Navy: "藏青色" },
        },
        { option: "Size", attributeId: 202, attributeName: "尺码", values: {} },
      ],
      metafields: [{ key: "custom.material", attributeId: 102, attributeName: "材质" }],
    });
    expect(got.body.mappings[4]).toMatchObject({
      type: null,
      productCategory: "Apparel & Accessories > Shoes",
      category: { id: 1003003, path: "服装 > 运动鞋" },
    });
    // A PUT replaces the whole mapping.
    const cleared = await putMapping(seller.token, { mappings: [] });
    expect(cleared.body.mappings).toEqual([]);
  });

  it("refuses references that do not resolve, naming each field, and bodies with unknown fields", async () => {
    const seller = await newSeller();
    const bad = await putMapping(seller.token, {
      mappings: [
        { type: "A", category: "不存在" },
        { type: "B", category: 1003001, attributeDefaults: [{ attribute: "面额", value: "x" }] },
        { type: "C", category: "服装 > 男士T恤", attributeDefaults: [{ attribute: "袖型", value: "半袖" }] },
        { type: "D", category: 1003001, options: [{ option: "Color", attribute: "材质" }] },
        { type: "a", category: 1003001 },
        { type: "E", productCategory: "X", category: 1003001 },
        { category: 1003001 },
      ],
    });
    expect(bad.status, JSON.stringify(bad.body)).toBe(400);
    expect(bad.body).toMatchObject({ code: "validation_failed" });
    const fields = (bad.body.errors as { field: string; reason: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["mappings.5.type", "mappings.6.type"]));
    // Shape errors come first; once the shape is right the references are checked.
    const refs = await putMapping(seller.token, {
      mappings: [
        { type: "A", category: "不存在" },
        { type: "B", category: 1003001, attributeDefaults: [{ attribute: "面额", value: "x" }] },
        { type: "C", category: "服装 > 男士T恤", attributeDefaults: [{ attribute: "袖型", value: "半袖" }] },
        { type: "D", category: 1003001, options: [{ option: "Color", attribute: "材质" }] },
        { type: "a", category: 1003001 },
      ],
    });
    expect(refs.status, JSON.stringify(refs.body)).toBe(400);
    expect(refs.body.errors).toEqual([
      { field: "mappings.0.category", reason: "no category is named 不存在" },
      {
        field: "mappings.1.attributeDefaults.0.attribute",
        reason: expect.stringContaining("is not an attribute of this category"),
      },
      { field: "mappings.2.attributeDefaults.0.value", reason: "袖型 must be one of: 短袖, 长袖, 无袖" },
      { field: "mappings.3.options.0.attribute", reason: expect.stringContaining("is not a sales attribute") },
      { field: "mappings.4.type", reason: "is mapped already by mappings.0" },
    ]);
    const unknown = await putMapping(seller.token, { mappings: [], extra: 1 });
    expect(unknown.status).toBe(400);
  });

  it("keeps each shop's mapping its own; operators name the shop", async () => {
    const seller = await newSeller();
    const other = await newSeller();
    expect((await putMapping(seller.token, FIXTURE_MAPPING)).status).toBe(200);
    const theirs = await json<{ mappings: unknown[] }>(
      await call("GET", "/admin/v1/import-mappings/categories", { token: other.token }),
    );
    expect(theirs.body.mappings).toEqual([]);
    expect(
      (await call("GET", `/admin/v1/import-mappings/categories?shopId=${seller.shopId}`, { token: other.token }))
        .status,
    ).toBe(404);
    const operator = await operatorToken();
    expect((await call("GET", "/admin/v1/import-mappings/categories", { token: operator })).status).toBe(400);
    const seen = await json<{ mappings: unknown[] }>(
      await call("GET", `/admin/v1/import-mappings/categories?shopId=${seller.shopId}`, { token: operator }),
    );
    expect(seen.body.mappings).toHaveLength(FIXTURE_MAPPING.mappings.length);
  });
});
