/**
 * Regression (hardening #11, defect 1): a bulk edit submitted with an API key holding only
 * `bulk:write` set the price to 0.01 and the stock to 999,999 although the same key gets 403 from
 * the price and stock routes. A job now carries the submitting credential and every row is
 * checked against the direct route's permission.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { processChunk, submitBulkJob } from "../../shared/catalog/bulk-jobs";
import { inventoryOf } from "../../shared/inventory/binding";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { callerForApiKey } from "../../shared/users/api-keys";
import { newSeller, postProduct, SEED_TSHIRT, type Seller, tshirtWithCode } from "../helpers/catalog";
import { call, json } from "../helpers/http";

type Job = { jobId: string; status: string; done: number; failed: number; errors: { row: number; code: string }[] };

async function keyWith(seller: Seller, scopes: string[]): Promise<{ key: string; apiKeyId: string }> {
  const res = await json<{ key: string; apiKeyId: string }>(
    await call("POST", "/admin/v1/api-keys", { token: seller.token, body: { name: "erp", scopes } }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function submit(token: string, rows: unknown[], kind: "edit" | "import") {
  const res = await json<Job>(await call("POST", `/admin/v1/bulk-jobs?kind=${kind}`, { token, body: rows }));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.jobId;
}

async function finished(token: string, jobId: string): Promise<Job> {
  return vi.waitUntil(
    async () => {
      const job = await json<Job>(await call("GET", `/admin/v1/bulk-jobs/${jobId}`, { token }));
      return job.body.status === "completed" || job.body.status === "failed" ? job.body : null;
    },
    { timeout: 20_000, interval: 150 },
  );
}

async function productWithCode(seller: Seller) {
  const code = `CRED-${crypto.randomUUID().slice(0, 8)}`;
  const created = await postProduct(seller, tshirtWithCode(code));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { code, productId: created.body.productId, skuId: created.body.skuIds[0] ?? "" };
}

async function skuState(seller: Seller, productId: string) {
  const product = await json<{ status: string; skus: { price: { amount: number }; stock: { available: number } }[] }>(
    await call("GET", `/admin/v1/products/${productId}`, { token: seller.token }),
  );
  return { status: product.body.status, ...product.body.skus[0] };
}

describe("bulk jobs run with the submitting credential's rights", () => {
  it("a key with only bulk:write changes no price, stock or status (each row as forbidden as its direct route)", async () => {
    const seller = await newSeller();
    const { code, productId, skuId } = await productWithCode(seller);
    const { key } = await keyWith(seller, ["bulk:write"]);
    // The direct routes refuse this key...
    expect(
      (await call("POST", `/admin/v1/skus/${skuId}/stock`, { token: key, body: { set: 1, reason: "x" } })).status,
    ).toBe(403);
    // ...and so does every row of the job.
    const jobId = await submit(
      key,
      [{ sellerSkuCode: code, price: "0.01", stock: 999999, status: "on-shelf" }],
      "edit",
    );
    const job = await finished(key, jobId);
    expect(job).toMatchObject({ done: 0, failed: 1, errors: [{ row: 1, code: "forbidden" }] });
    expect(await skuState(seller, productId)).toMatchObject({
      status: "DRAFT",
      price: { amount: 7900 },
      stock: { available: 5 },
    });
  });

  it("a key with bulk:write and stock:write may set stock, but not prices", async () => {
    const seller = await newSeller();
    const { code, productId } = await productWithCode(seller);
    const { key } = await keyWith(seller, ["bulk:write", "stock:write"]);
    const jobId = await submit(
      key,
      [
        { sellerSkuCode: code, stock: 42 },
        { sellerSkuCode: code, price: "0.01" },
      ],
      "edit",
    );
    const job = await finished(key, jobId);
    expect(job).toMatchObject({ done: 1, failed: 1, errors: [{ row: 2, code: "forbidden" }] });
    expect(await skuState(seller, productId)).toMatchObject({ price: { amount: 7900 }, stock: { available: 42 } });
  });

  it("an import needs catalog:write like POST /admin/v1/products", async () => {
    const seller = await newSeller();
    const { key } = await keyWith(seller, ["bulk:write"]);
    const before = await env.DB.prepare("select count(*) as n from products where shop_id = ?")
      .bind(seller.shopId)
      .first<{ n: number }>();
    const job = await finished(key, await submit(key, [JSON.parse(SEED_TSHIRT)], "import"));
    expect(job).toMatchObject({ done: 0, failed: 1, errors: [{ row: 1, code: "forbidden" }] });
    const after = await env.DB.prepare("select count(*) as n from products where shop_id = ?")
      .bind(seller.shopId)
      .first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it("a logged-in seller's job keeps working as before", async () => {
    const seller = await newSeller();
    const { code, productId } = await productWithCode(seller);
    const job = await finished(
      seller.token,
      await submit(seller.token, [{ sellerSkuCode: code, price: "59.00" }], "edit"),
    );
    expect(job).toMatchObject({ done: 1, failed: 0 });
    expect(await skuState(seller, productId)).toMatchObject({ price: { amount: 5900 } });
  });

  it("polling a job needs bulk:write, and another shop's key sees 404", async () => {
    const seller = await newSeller();
    const other = await newSeller();
    const { key } = await keyWith(seller, ["bulk:write", "stock:write"]);
    const { code } = await productWithCode(seller);
    const jobId = await submit(key, [{ sellerSkuCode: code, stock: 1 }], "edit");
    const readOnly = await keyWith(seller, ["catalog:read"]);
    expect((await call("GET", `/admin/v1/bulk-jobs/${jobId}`, { token: readOnly.key })).status).toBe(403);
    const foreign = await keyWith(other, ["bulk:write"]);
    expect((await call("GET", `/admin/v1/bulk-jobs/${jobId}`, { token: foreign.key })).status).toBe(404);
    expect((await call("GET", `/admin/v1/bulk-jobs/${jobId}`, { token: key })).status).toBe(200);
  });

  it("stops a job whose key was revoked before its rows ran", async () => {
    const seller = await newSeller();
    const { code, productId } = await productWithCode(seller);
    const { key, apiKeyId } = await keyWith(seller, ["bulk:write", "stock:write"]);
    const db = dbOf(env.DB);
    const resolved = await callerForApiKey(db, key, Date.now());
    if (!resolved) throw new Error("the key should authenticate");
    // Submitted without a queue, so nothing runs the rows before the revocation.
    const deps = { db, clock: systemClock, producers: {}, inventory: inventoryOf(env) };
    const { jobId } = await submitBulkJob(deps, resolved.caller, {
      kind: "edit",
      format: "json",
      body: JSON.stringify([{ sellerSkuCode: code, stock: 77 }]),
    });
    expect((await call("DELETE", `/admin/v1/api-keys/${apiKeyId}`, { token: seller.token })).status).toBe(200);
    await processChunk(deps, jobId, 0);
    const job = await finished(seller.token, jobId);
    expect(job).toMatchObject({ done: 0, failed: 1, errors: [{ row: 1, code: "forbidden" }] });
    expect(await skuState(seller, productId)).toMatchObject({ stock: { available: 5 } });
  });
});
