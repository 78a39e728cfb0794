/**
 * Regression (issue #12): finding a SKU's product (`productOfSku`) and a SKU that waits in a
 * pending revision (`pendingSkuOf`) caught every error as "not found", so a D1 failure while
 * loading the product answered 404 and a client took a live SKU for a missing one. Only the
 * product's own 404 becomes the SKU's; anything else surfaces as it is (a 500 at the edge).
 */
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { productOfSku } from "../../shared/catalog/product-views";
import type { Caller } from "../../shared/platform/auth";
import { dbOf } from "../../shared/platform/db";
import { buildAdminApp } from "../../workers/admin/app";
import { addGreyXlSku, newSeller, postProduct, putOnShelf, type Seller, tshirt } from "../helpers/catalog";
import { freshIp } from "../helpers/factories";
import { faultyD1 } from "../helpers/faulty-d1";
import { call, json, ORIGIN } from "../helpers/http";

/** The D1 batch that loads a product (its row, attributes, images, SKUs) never arrives. */
const productBatchFails = (sql: string[]) => sql.some((s) => /from "products" where "products"\."id"/i.test(s));

/** The real bindings, with the product-loading batch failing. */
function envWithFailingProductReads(): Cloudflare.Env {
  return { ...env, DB: faultyD1(env.DB, { failBatch: productBatchFails }) };
}

const sellerCaller = (seller: Seller): Caller => ({
  userId: seller.id,
  roles: ["seller"],
  shopId: seller.shopId ?? "",
});

async function admin(bindings: Cloudflare.Env, token: string, method: string, path: string, body?: object) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, "cf-connecting-ip": freshIp() };
  if (body) headers["content-type"] = "application/json";
  const res = await buildAdminApp().fetch(
    new Request(`${ORIGIN}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined }),
    bindings,
    createExecutionContext(),
  );
  return json<{ code?: string; detail?: string }>(res);
}

describe("a failing D1 read is not a missing SKU", () => {
  it("productOfSku rethrows the D1 failure instead of a not_found", async () => {
    const seller = await newSeller();
    const created = await postProduct(seller, tshirt());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const skuId = created.body.skuIds[0] ?? "";
    const db = dbOf(envWithFailingProductReads().DB);
    await expect(productOfSku(db, sellerCaller(seller), skuId)).rejects.toThrow(/D1 batch lost/);
    // The same SKU in another shop is still a 404 naming the SKU.
    const other = await newSeller();
    await expect(productOfSku(dbOf(env.DB), sellerCaller(other), skuId)).rejects.toMatchObject({
      code: "not_found",
      detail: `No SKU ${skuId}`,
    });
  });

  it("answers 500, not 404, when the product of a live SKU cannot be read", async () => {
    const seller = await newSeller();
    const created = await postProduct(seller, tshirt());
    const skuId = created.body.skuIds[0] ?? "";
    const ok = await admin(env, seller.token, "GET", `/admin/v1/skus/${skuId}/stock`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const failed = await admin(envWithFailingProductReads(), seller.token, "GET", `/admin/v1/skus/${skuId}/stock`);
    expect(failed.status, JSON.stringify(failed.body)).toBe(500);
    expect(failed.body.code).toBe("internal");
  });

  it("answers 500, not 404, when the product of a SKU pending in a revision cannot be read", async () => {
    const seller = await newSeller();
    const created = await postProduct(seller, tshirt());
    const { productId } = created.body;
    await putOnShelf(seller, productId);
    const product = await json<{ version: number }>(
      await call("GET", `/admin/v1/products/${productId}`, { token: seller.token }),
    );
    const added = await addGreyXlSku(seller, productId, product.body.version, {
      skuName: "灰色 XL",
      price: 99,
      stock: 3,
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    const path = `/admin/v1/skus/${added.body.skuId}`;
    const edit = { version: 1, skuName: "灰色 XL 改" };
    const failed = await admin(envWithFailingProductReads(), seller.token, "PATCH", path, edit);
    expect(failed.status, JSON.stringify(failed.body)).toBe(500);
    expect(failed.body.code).toBe("internal");
    // Another shop's seller still gets the 404 the pending SKU always answered.
    const other = await newSeller();
    const hidden = await admin(env, other.token, "PATCH", path, edit);
    expect(hidden.status, JSON.stringify(hidden.body)).toBe(404);
    expect(hidden.body.code).toBe("not_found");
  });
});
