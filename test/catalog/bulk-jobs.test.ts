import { createMessageBatch, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { makeEvent } from "../../shared/events/messages";
import { newId } from "../../shared/platform/ids";
import { handleBatch } from "../../workers/events/worker";
import {
  newSeller,
  postProduct,
  SEED_DATA_PACK,
  SEED_TSHIRT,
  type Seller,
  tshirt,
  tshirtWithCode,
} from "../helpers/catalog";
import { call, json } from "../helpers/http";

type Job = {
  jobId: string;
  status: string;
  total: number;
  done: number;
  failed: number;
  errors: { row: number; ref: string | null; code: string; detail: string }[];
  created: { row: number; ref: string | null; productId: string; status: string }[];
};

async function submit(seller: Seller, body: string, contentType: string, kind = "import") {
  return json<Job>(
    await call("POST", `/admin/v1/bulk-jobs?kind=${kind}`, {
      token: seller.token,
      rawBody: body,
      headers: { "content-type": contentType },
    }),
  );
}

async function finished(seller: Seller, jobId: string): Promise<Job> {
  return vi.waitUntil(
    async () => {
      const job = await json<Job>(await call("GET", `/admin/v1/bulk-jobs/${jobId}`, { token: seller.token }));
      return job.body.status === "completed" || job.body.status === "failed" ? job.body : null;
    },
    { timeout: 20_000, interval: 150 },
  );
}

async function productCount(shopId: string | undefined) {
  return (
    (await env.DB.prepare("select count(*) as n from products where shop_id = ?").bind(shopId).first<{ n: number }>())
      ?.n ?? 0
  );
}

const SHOPIFY_CSV = `Handle,Title,Body (HTML),Vendor,Type,Tags,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Price,Variant Inventory Qty,Image Src
pegasus,NIKE 跑步鞋 Pegasus,"<p>轻量, 缓震</p>
<p>第二段</p>",NIKE,运动鞋,"跑步, 夏季",颜色,黑色,尺码,42,PEG-BLK-42,699.00,20,https://images.example.com/peg-1.jpg
pegasus,,,,,,,白色,,43,PEG-WHT-43,699.00,15,https://images.example.com/peg-2.jpg
mystery,神秘商品,,NIKE,不存在的类目,,颜色,黑色,,,MYS-1,10.00,1,
ultraboost,Adidas Ultraboost,<p>回弹</p>,Adidas,运动鞋,,颜色,白色,尺码,41,UB-WHT-41,1299.00,8,
`;

describe("bulk jobs", () => {
  it("imports a JSON array in the seed's shape; a bad row fails alone", async () => {
    const seller = await newSeller();
    const rows = [
      JSON.parse(SEED_TSHIRT),
      { categoryId: 1003001, spu: { name: "no skus" }, skus: [] },
      JSON.parse(SEED_DATA_PACK),
    ];
    const submitted = await submit(seller, JSON.stringify(rows), "application/json");
    expect(submitted).toMatchObject({ status: 202, body: { status: "queued", total: 3 } });
    const job = await finished(seller, submitted.body.jobId);
    expect(job).toMatchObject({ total: 3, done: 2, failed: 1 });
    expect(job.errors).toEqual([
      { row: 2, ref: "no skus", code: "validation_failed", detail: expect.stringContaining("skus") },
    ]);
    expect(job.created.map((c) => [c.row, c.status])).toEqual([
      [1, "DRAFT"],
      [3, "DRAFT"],
    ]);
    expect(await productCount(seller.shopId)).toBe(2);
  });

  it("imports Shopify's product CSV, grouping variants by handle", async () => {
    const seller = await newSeller();
    const submitted = await submit(seller, SHOPIFY_CSV, "text/csv");
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const job = await finished(seller, submitted.body.jobId);
    expect(job).toMatchObject({ total: 3, done: 2, failed: 1, errors: [{ row: 3, code: "unknown_category" }] });
    const product = await env.DB.prepare(
      "select id, description from products where shop_id = ? and name = 'NIKE 跑步鞋 Pegasus'",
    )
      .bind(seller.shopId)
      .first<{ id: string; description: string }>();
    expect(product?.description).toContain("轻量, 缓震");
    const skus = await env.DB.prepare("select seller_sku_code from skus where product_id = ? order by position")
      .bind(product?.id)
      .all<{ seller_sku_code: string }>();
    expect(skus.results.map((s) => s.seller_sku_code)).toEqual(["PEG-BLK-42", "PEG-WHT-43"]);
  });

  it("never creates a product twice when a chunk is delivered again, even after a crash mid-chunk", async () => {
    const seller = await newSeller();
    const submitted = await submit(seller, JSON.stringify([tshirt(), tshirt()]), "application/json");
    await finished(seller, submitted.body.jobId);
    expect(await productCount(seller.shopId)).toBe(2);
    // As if the Worker died after creating the products but before marking the rows done.
    await env.DB.prepare("update bulk_job_rows set status = 'pending', result_id = null where job_id = ?")
      .bind(submitted.body.jobId)
      .run();
    const redelivery = {
      id: newId("request"),
      timestamp: new Date(),
      attempts: 2,
      body: makeEvent("bulk.chunk_ready", { jobId: submitted.body.jobId, chunk: 0 }, Date.now()),
    };
    await handleBatch(createMessageBatch("bulk-jobs", [redelivery]), env);
    expect(await productCount(seller.shopId)).toBe(2);
    const job = await json<Job>(
      await call("GET", `/admin/v1/bulk-jobs/${submitted.body.jobId}`, { token: seller.token }),
    );
    expect(job.body).toMatchObject({ status: "completed", done: 2, failed: 0 });
  });

  it("edits prices, stock and status by seller SKU code", async () => {
    const seller = await newSeller();
    const code = `CODE-${Date.now()}`;
    const created = await postProduct(seller, tshirtWithCode(code));
    const edits = [
      { sellerSkuCode: code, price: "59.00", stock: 3 },
      { sellerSkuCode: "NOPE-404", stock: 1 },
      { sellerSkuCode: code, price: "1.001" },
    ];
    const submitted = await submit(seller, JSON.stringify(edits), "application/json", "edit");
    const job = await finished(seller, submitted.body.jobId);
    expect(job).toMatchObject({ done: 1, failed: 2 });
    expect(job.errors.map((e) => [e.row, e.code])).toEqual([
      [2, "not_found"],
      [3, "validation_failed"],
    ]);
    const product = await json<{ skus: { price: { amount: number }; stock: { available: number } }[] }>(
      await call("GET", `/admin/v1/products/${created.body.productId}`, { token: seller.token }),
    );
    expect(product.body.skus[0]).toMatchObject({ price: { amount: 5900 }, stock: { available: 3 } });
  });

  it("refuses unreadable, empty, oversized and wrongly typed submissions at once", async () => {
    const seller = await newSeller();
    expect((await submit(seller, "{}", "application/json")).body).toMatchObject({
      status: 400,
      code: "validation_failed",
    });
    expect((await submit(seller, "[]", "application/json")).body).toMatchObject({ status: 400 });
    expect((await submit(seller, "[1,", "application/json")).body).toMatchObject({
      status: 400,
      code: "malformed_json",
    });
    expect((await submit(seller, "Name,Price\nx,1\n", "text/csv")).body).toMatchObject({
      status: 400,
      errors: [{ field: "body", reason: expect.stringContaining("Handle") }],
    });
    expect((await submit(seller, "a", "text/plain")).status).toBe(415);
    const tooMany = JSON.stringify(Array.from({ length: 5001 }, () => ({ sellerSkuCode: "x" })));
    expect((await submit(seller, tooMany, "application/json", "edit")).body).toMatchObject({
      status: 413,
      code: "payload_too_large",
    });
  });

  // Regression (issue #11, defect 5): the rows went in 50 per insert of 5 values each, past D1's
  // 100 bound parameters, so any job of 21+ rows answered 500.
  it("takes a 1,000-row JSON job and processes every row", async () => {
    const seller = await newSeller();
    const stamp = Date.now().toString(36);
    const colours = ["黑色", "白色", "灰色", "藏青色", "红色", "蓝色", "绿色"];
    const sizes = ["XS", "S", "M", "L", "XL", "XXL"];
    const codes = colours.flatMap((_c, i) => sizes.map((_, j) => `K${stamp}-${i}${j}`));
    const created = await postProduct(
      seller,
      tshirt({
        skus: codes.map((code, k) => ({
          skuName: code,
          price: 79,
          stock: 1,
          sellerSkuCode: code,
          salesAttributes: [
            { attributeId: 201, value: colours[Math.floor(k / sizes.length)] },
            { attributeId: 202, value: sizes[k % sizes.length] },
          ],
        })),
      }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const rows = Array.from({ length: 1000 }, (_, i) =>
      // The rest fail on their own (a negative stock) without costing a lookup each.
      i < codes.length ? { sellerSkuCode: codes[i], price: "1.50" } : { sellerSkuCode: `N-${i}`, stock: -1 },
    );
    const submitted = await submit(seller, JSON.stringify(rows), "application/json", "edit");
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    expect(submitted.body.total).toBe(1000);
    const job = await vi.waitUntil(
      async () => {
        const j = await json<Job>(
          await call("GET", `/admin/v1/bulk-jobs/${submitted.body.jobId}`, { token: seller.token }),
        );
        return j.body.status === "completed" ? j.body : null;
      },
      { timeout: 55_000, interval: 500 },
    );
    expect(job).toMatchObject({ total: 1000, done: codes.length, failed: 1000 - codes.length });
    expect(job.errors[0]).toMatchObject({ row: codes.length + 1, code: "validation_failed" });
    const product = await json<{ skus: { price: { amount: number } }[] }>(
      await call("GET", `/admin/v1/products/${created.body.productId}`, { token: seller.token }),
    );
    expect(product.body.skus.map((s) => s.price.amount)).toEqual(codes.map(() => 150));
    const outboxLeft = await env.DB.prepare("select count(*) as n from outbox where body like ?")
      .bind(`%${submitted.body.jobId}%`)
      .first<{ n: number }>();
    expect(outboxLeft?.n).toBe(0);
  }, 60_000);

  it("shows a job only to its shop", async () => {
    const seller = await newSeller();
    const other = await newSeller();
    const submitted = await submit(seller, JSON.stringify([tshirt()]), "application/json");
    expect((await call("GET", `/admin/v1/bulk-jobs/${submitted.body.jobId}`, { token: other.token })).status).toBe(404);
  });
});
