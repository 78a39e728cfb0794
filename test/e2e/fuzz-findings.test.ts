/**
 * What fuzzing every operation found (issue #11, defect 13), one regression test each. The fuzz
 * run itself is test/e2e/fuzz.test.ts.
 */
import { describe, expect, it } from "vitest";
import { invalidFields, MAX_LISTED_ERRORS } from "../../shared/platform/validation";
import { newSeller, operatorToken, postProduct, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { newShopper } from "../helpers/orders";

type Problem = { status: number; code: string; detail: string; errors?: { field: string; reason: string }[] };

describe("PATCH /admin/v1/warehouses/:id", () => {
  it("answers an empty patch (was 500) with the warehouse unchanged", async () => {
    const seller = await newSeller();
    const path = `/admin/v1/warehouses/${seller.warehouseId}`;
    const res = await json(await call("PATCH", path, { token: seller.token, body: {} }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ warehouseId: seller.warehouseId, name: "main", isDefault: true });
  });
});

describe("an operator naming a shop that does not exist", () => {
  const shopId = "shp_nonexistent";
  // Two writes answered 500 (a foreign key failing) and seven reads 200 with empty or default data.
  const routes: [string, string, object?][] = [
    ["POST", "/admin/v1/warehouses", { name: "Nowhere", region: "CN-ZJ" }],
    [
      "PUT",
      "/admin/v1/shipping-template",
      { firstWeightGrams: 1000, firstFee: 1000, additionalWeightGrams: 1000, additionalFee: 500, freeThreshold: null },
    ],
    ["GET", "/admin/v1/warehouses"],
    ["GET", "/admin/v1/stock-alerts"],
    ["GET", "/admin/v1/shipping-template"],
    ["GET", "/admin/v1/orders"],
    ["GET", "/admin/v1/api-keys"],
    ["GET", "/admin/v1/operation-logs"],
    ["GET", "/admin/v1/products"],
  ];
  for (const [method, path, body] of routes) {
    it(`gets 404 from ${method} ${path}, as a seller naming another shop does`, async () => {
      const operator = await operatorToken();
      const res = await json<Problem>(
        await call(method, `${path}?shopId=${shopId}`, { token: operator, ...(body ? { body } : {}) }),
      );
      expect(res.body, JSON.stringify(res.body)).toMatchObject({ status: 404, code: "not_found" });
      const other = await newSeller();
      const seller = await newSeller();
      const asSeller = await json<Problem>(
        await call(method, `${path}?shopId=${other.shopId}`, { token: seller.token, ...(body ? { body } : {}) }),
      );
      expect(asSeller.body, JSON.stringify(asSeller.body)).toMatchObject({ status: 404, code: "not_found" });
    });
  }

  it("still reads a shop that exists, and every shop when it names none", async () => {
    const operator = await operatorToken();
    const seller = await newSeller();
    const product = await postProduct(seller, tshirt());
    expect(product.status).toBe(201);
    const one = await json<{ items: { warehouseId: string }[] }>(
      await call("GET", `/admin/v1/warehouses?shopId=${seller.shopId}`, { token: operator }),
    );
    expect(one.body.items.map((w) => w.warehouseId)).toEqual([seller.warehouseId]);
    const mine = await json<{ items: { productId: string }[] }>(
      await call("GET", `/admin/v1/products?shopId=${seller.shopId}`, { token: operator }),
    );
    expect(mine.body.items.map((p) => p.productId)).toEqual([product.body.productId]);
    const all = await json<{ items: unknown[] }>(
      await call("GET", "/admin/v1/products?limit=100", { token: operator }),
    );
    expect(all.body.items.length).toBeGreaterThan(1);
  });
});

describe("validation answers stay small", () => {
  it("refuses 30,000 scopes in a few hundred bytes (was megabytes: one error per item)", async () => {
    const seller = await newSeller();
    const res = await call("POST", "/admin/v1/api-keys", {
      token: seller.token,
      body: { name: "many", scopes: Array.from({ length: 30_000 }, () => 0) },
    });
    const text = await res.text();
    expect(res.status, text.slice(0, 500)).toBe(400);
    expect(text.length).toBeLessThan(2_000);
    expect(JSON.parse(text)).toMatchObject({ code: "validation_failed", errors: [{ field: "scopes" }] });
  });

  it(`lists at most ${MAX_LISTED_ERRORS} field errors and says how many it left out`, async () => {
    const seller = await newSeller();
    const product = await postProduct(seller, tshirt());
    const rows = Array.from({ length: 50 }, () => ({ type: "bogus", price: "free" }));
    const res = await json<Problem & { omittedErrors?: number }>(
      await call("PUT", `/admin/v1/skus/${product.body.skuIds[0]}/prices`, {
        token: seller.token,
        body: { prices: rows },
      }),
    );
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(400);
    expect(res.body.errors).toHaveLength(MAX_LISTED_ERRORS);
    expect(res.body.omittedErrors).toBe(100 - MAX_LISTED_ERRORS);
    expect(res.body.detail).toContain(`and ${100 - 1} more errors`);
    expect(res.body.detail).toContain(`${100 - MAX_LISTED_ERRORS} not listed`);
  });

  it("keeps every error when there are few, and counts none as left out", () => {
    const err = invalidFields([
      { field: "a", reason: "is required" },
      { field: "b", reason: "is required" },
    ]);
    expect(err.errors).toHaveLength(2);
    expect(err.extensions).not.toHaveProperty("omittedErrors");
    expect(err.detail).toBe("a: is required (and 1 more error)");
  });
});

describe("POST /v1/orders with a body that fits neither shape", () => {
  it("says it wants a quoteToken, or items with an addressId, and names the wrong fields (was: body: Invalid input)", async () => {
    const shopper = await newShopper();
    const empty = await json<Problem>(await call("POST", "/v1/orders", { token: shopper.token, body: {} }));
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/quoteToken/);
    expect(empty.body.detail).toMatch(/items/);
    expect(empty.body.detail).toMatch(/addressId/);
    expect(empty.body.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(["body", "quoteToken", "items"]));

    const mixed = await json<Problem>(
      await call("POST", "/v1/orders", { token: shopper.token, body: { quoteToken: 7, addressId: "adr_x" } }),
    );
    expect(mixed.status).toBe(400);
    const fields = mixed.body.errors?.map((e) => e.field) ?? [];
    expect(fields).toEqual(expect.arrayContaining(["body", "quoteToken", "items"]));
    expect(mixed.body.errors?.find((e) => e.field === "quoteToken")?.reason).toMatch(/string/);
  });
});
