/**
 * One shape per concept (issue #19): the same thing has one name and one shape in every answer,
 * and where API.md fixed another the old field stays beside the consistent one, marked
 * `deprecated: true` in the OpenAPI document.
 */
import { describe, expect, it } from "vitest";
import { newSeller, postProduct, putOnShelf, tshirt } from "../helpers/catalog";
import { call, json } from "../helpers/http";
import { newShopper, placeOrder } from "../helpers/orders";

type Schema = {
  $ref?: string;
  type?: string | string[];
  deprecated?: boolean;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
};
type Operation = { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> };
type Document = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

const DOCUMENTS = ["/openapi.json", "/admin/openapi.json", "/webhooks/openapi.json"];

async function documentAt(path: string): Promise<Document> {
  return (await json<Document>(await call("GET", path))).body;
}

/** The schema behind a `$ref` (and the non-null branch of a nullable union). */
function resolve(doc: Document, schema: Schema | undefined): Schema | undefined {
  if (!schema) return undefined;
  if (schema.$ref) return resolve(doc, doc.components?.schemas?.[schema.$ref.replace("#/components/schemas/", "")]);
  const branch = (schema.anyOf ?? schema.oneOf)?.find((s) => s.type !== "null");
  return branch ? resolve(doc, branch) : schema;
}

/** The property at `path` (through arrays' items) of a named component schema. */
function propertyOf(doc: Document, component: string, ...path: string[]): Schema | undefined {
  let at = resolve(doc, { $ref: `#/components/schemas/${component}` });
  for (const key of path) {
    const here = resolve(doc, at);
    at = key === "[]" ? resolve(doc, here?.items) : here?.properties?.[key];
  }
  return at;
}

async function onShelfTshirt() {
  const seller = await newSeller();
  const { body } = await postProduct(seller, tshirt({ name: `一形测试T恤 ${Date.now().toString(36)}` }));
  await putOnShelf(seller, body.productId);
  return { seller, productId: body.productId, skuIds: body.skuIds };
}

describe("one shape per concept", () => {
  it("names a SKU's name skuName in the admin API and the storefront (name kept, deprecated)", async () => {
    const { seller, productId } = await onShelfTshirt();
    const admin = await json<{ skus: { skuId: string; skuName: string }[] }>(
      await call("GET", `/admin/v1/products/${productId}`, { token: seller.token }),
    );
    const shop = await json<{ skus: { skuId: string; skuName: string; name: string }[] }>(
      await call("GET", `/v1/products/${productId}`),
    );
    expect(shop.body.skus.map((s) => [s.skuId, s.skuName])).toEqual(admin.body.skus.map((s) => [s.skuId, s.skuName]));
    expect(shop.body.skus.every((s) => s.name === s.skuName)).toBe(true);
    const doc = await documentAt("/openapi.json");
    expect(propertyOf(doc, "ProductDetail", "skus", "[]", "name")?.deprecated).toBe(true);
    expect(propertyOf(doc, "ProductDetail", "skus", "[]", "skuName")?.deprecated).toBeUndefined();
  });

  it("answers brand and category as {id, name} in search as in the detail (the strings kept, deprecated)", async () => {
    const { productId } = await onShelfTshirt();
    const detail = await json<{ brand: object; category: object }>(await call("GET", `/v1/products/${productId}`));
    const found = await json<{ items: { productId: string; brand: string; brandRef: object; categoryRef: object }[] }>(
      await call("GET", `/v1/products?q=${encodeURIComponent("一形测试")}&limit=100`),
    );
    const item = found.body.items.find((i) => i.productId === productId);
    expect(item?.brandRef).toEqual(detail.body.brand);
    expect(item?.categoryRef).toEqual(detail.body.category);
    expect(item?.brand).toBe((detail.body.brand as { name: string }).name);
    const doc = await documentAt("/openapi.json");
    for (const field of ["brand", "category"]) {
      expect(propertyOf(doc, "SearchResult", "items", "[]", field)?.deprecated, field).toBe(true);
      expect(propertyOf(doc, "SearchResult", "items", "[]", `${field}Ref`)?.deprecated, field).toBeUndefined();
    }
  });

  it("takes and answers the shipping template's fees as money, the bare integers kept and deprecated", async () => {
    const seller = await newSeller();
    const put = (body: object) =>
      call("PUT", "/admin/v1/shipping-template", { token: seller.token, body }).then(json<Record<string, unknown>>);
    const cny = (amount: number) => ({ amount, currency: "CNY" });
    const saved = await put({
      firstWeightGrams: 500,
      firstWeightFee: cny(800),
      additionalWeightGrams: 500,
      additionalWeightFee: cny(300),
      freeShippingFrom: cny(19900),
      regions: [{ country: "CN", provinces: ["新疆"], firstWeightFee: cny(1500) }],
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({
      currency: "CNY",
      firstWeightFee: cny(800),
      additionalWeightFee: cny(300),
      freeShippingFrom: cny(19900),
      firstFee: 800,
      additionalFee: 300,
      freeThreshold: 19900,
      // A region's step without its own fee charges the base fee.
      regions: [{ country: "CN", firstWeightFee: cny(1500), additionalWeightFee: cny(300), firstFee: 1500 }],
    });
    const read = await json(await call("GET", "/admin/v1/shipping-template", { token: seller.token }));
    expect(read.body).toEqual(saved.body);

    // The old body still saves the same template.
    const old = await put({
      currency: "CNY",
      firstWeightGrams: 500,
      firstFee: 800,
      additionalWeightGrams: 500,
      additionalFee: 300,
      freeThreshold: 19900,
      regions: [{ country: "CN", provinces: ["新疆"], firstFee: 1500, additionalFee: 300 }],
    });
    expect({ ...old.body, version: 0 }).toEqual({ ...saved.body, version: 0 });

    const base = { firstWeightGrams: 500, additionalWeightGrams: 500 };
    expect(
      await put({ ...base, currency: "CNY", firstWeightFee: { amount: 800, currency: "USD" }, additionalFee: 1 }),
    ).toMatchObject({
      status: 400,
      body: { errors: [{ field: "firstWeightFee.currency", reason: expect.stringContaining("CNY") }] },
    });
    expect(await put({ ...base, firstWeightFee: cny(800), firstFee: 800, additionalFee: 1 })).toMatchObject({
      status: 400,
      body: { errors: [{ field: "firstFee", reason: "give firstWeightFee or firstFee, not both" }] },
    });
    expect(await put({ ...base, additionalFee: 1 })).toMatchObject({
      status: 400,
      body: { errors: [{ field: "firstWeightFee" }] },
    });
    expect(await put({ ...base, firstWeightFee: cny(100_000_01), additionalFee: 1 })).toMatchObject({
      status: 400,
      body: { errors: [{ field: "firstWeightFee.amount" }] },
    });

    const doc = await documentAt("/admin/openapi.json");
    for (const field of ["firstFee", "additionalFee", "freeThreshold"]) {
      expect(propertyOf(doc, "ShippingTemplate", field)?.deprecated, field).toBe(true);
    }
    expect(propertyOf(doc, "ShippingTemplate", "regions", "[]", "firstFee")?.deprecated).toBe(true);
    expect(propertyOf(doc, "ShippingTemplate", "firstWeightFee")?.deprecated).toBeUndefined();
  });

  it("answers stock movements' times in ISO 8601 (epoch ms kept, deprecated), a page at a time", async () => {
    const { seller, skuIds } = await onShelfTshirt();
    const skuId = skuIds[0] ?? "";
    for (const delta of [1, 2, 3]) {
      await call("POST", `/admin/v1/skus/${skuId}/stock`, { token: seller.token, body: { delta, reason: "received" } });
    }
    type Page = { items: { seq: number; at: number; createdAt: string }[]; nextCursor: string | null };
    const first = await json<Page>(
      await call("GET", `/admin/v1/skus/${skuId}/stock/movements?limit=2`, { token: seller.token }),
    );
    expect(first.body.items).toHaveLength(2);
    for (const m of first.body.items) expect(m.createdAt).toBe(new Date(m.at).toISOString());
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await json<Page>(
      await call("GET", `/admin/v1/skus/${skuId}/stock/movements?limit=2&cursor=${first.body.nextCursor}`, {
        token: seller.token,
      }),
    );
    const seqs = [...first.body.items, ...second.body.items].map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(seqs.length);
    const doc = await documentAt("/admin/openapi.json");
    expect(propertyOf(doc, "StockMovement", "at")?.deprecated).toBe(true);
  });

  it("gives every list nextCursor: every collection GET answering items[] declares it", async () => {
    // The cart is one resource with its lines (at most 100), not a paged list.
    const NOT_LISTS = new Set(["get /v1/cart"]);
    const missing: string[] = [];
    for (const path of DOCUMENTS) {
      const doc = await documentAt(path);
      for (const [route, methods] of Object.entries(doc.paths)) {
        // A collection: the path ends in a name, not an id (an order's or refund's items are its lines).
        if (route.endsWith("}")) continue;
        for (const [method, operation] of Object.entries(methods)) {
          if (method !== "get") continue;
          for (const [status, response] of Object.entries(operation.responses ?? {})) {
            if (!status.startsWith("2")) continue;
            const schema = resolve(doc, response.content?.["application/json"]?.schema);
            const items = resolve(doc, schema?.properties?.items);
            if (items?.type !== "array" || NOT_LISTS.has(`${method} ${route}`)) continue;
            if (!schema?.properties?.nextCursor) missing.push(`${method.toUpperCase()} ${route} ${status}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("pages product snapshots with nextCursor", async () => {
    const seller = await newSeller();
    const { body } = await postProduct(seller, tshirt());
    for (const [version, description] of [
      [1, "第二版"],
      [2, "第三版"],
    ] as const) {
      const edit = await call("PATCH", `/admin/v1/products/${body.productId}`, {
        token: seller.token,
        body: { version, description },
      });
      expect(edit.status).toBe(200);
    }
    type Page = { items: { version: number }[]; nextCursor: string | null };
    const url = `/admin/v1/products/${body.productId}/snapshots?limit=2`;
    const first = await json<Page>(await call("GET", url, { token: seller.token }));
    expect(first.body.items.map((s) => s.version)).toEqual([3, 2]);
    const rest = await json<Page>(await call("GET", `${url}&cursor=${first.body.nextCursor}`, { token: seller.token }));
    expect(rest.body).toEqual({ items: [expect.objectContaining({ version: 1 })], nextCursor: null });
  });

  it("stores a shopper's cancel reason as given (the default only without one)", async () => {
    const { skuIds } = await onShelfTshirt();
    const shopper = await newShopper();
    const order = async () => {
      const placed = await placeOrder(shopper, {
        items: [{ skuId: skuIds[0], quantity: 1 }],
        addressId: shopper.addressId,
      });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      return placed.body.orders[0]?.orderId ?? "";
    };
    const cancel = (orderId: string, body?: object) =>
      call("POST", `/v1/orders/${orderId}/cancel`, { token: shopper.token, ...(body ? { body } : {}) }).then(
        json<{ cancelReason: string; status: string }>,
      );
    const reason = "  地址填错了，重新下单 ";
    const given = await order();
    expect((await cancel(given, { reason })).body).toMatchObject({ status: "CANCELLED", cancelReason: reason });
    const read = await json<{ cancelReason: string }>(
      await call("GET", `/v1/orders/${given}`, { token: shopper.token }),
    );
    expect(read.body.cancelReason).toBe(reason);
    const without = await order();
    expect((await cancel(without)).body.cancelReason).toBe("cancelled by the shopper");
    const blank = await order();
    expect(await cancel(blank, { reason: "   " })).toMatchObject({
      status: 400,
      body: { errors: [{ field: "reason" }] },
    });
  });
});
