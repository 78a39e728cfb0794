/** Catalog helpers: the seed's product JSON as written, and sellers with products. */
import dataPackText from "../fixtures/seed-data-pack.jsonc?raw";
import tshirtText from "../fixtures/seed-tshirt.jsonc?raw";
import { DEMO, tokenFor } from "./callers";
import { createUser, type TestUser } from "./factories";
import { call, json } from "./http";

/** The seed's JSON with its `//` comments removed, nothing else changed. */
export function stripComments(text: string): string {
  return text.replace(/\s*\/\/[^\n]*/g, "");
}

/** The seed's two examples, as the seller would paste them. */
export const SEED_TSHIRT = stripComments(tshirtText);
export const SEED_DATA_PACK = stripComments(dataPackText);

export interface Seller extends TestUser {
  token: string;
}

/** A fresh seller with its own shop and default warehouse. */
export async function newSeller(): Promise<Seller> {
  const user = await createUser("seller");
  return { ...user, token: await tokenFor({ userId: user.id, roles: ["seller"], shopId: user.shopId }) };
}

export async function operatorToken(): Promise<string> {
  return tokenFor(DEMO.operator);
}

/** Posts a product body (text or object) as `seller`. */
export async function postProduct(seller: Seller, body: string | object) {
  return json<{ productId: string; skuIds: string[]; status: string; version: number }>(
    await call(
      "POST",
      "/admin/v1/products",
      typeof body === "string" ? { token: seller.token, rawBody: body } : { token: seller.token, body },
    ),
  );
}

/** Takes a DRAFT product through submit → approve → on-shelf. */
export async function putOnShelf(seller: Seller, productId: string) {
  const operator = await operatorToken();
  for (const [action, token] of [
    ["submit", seller.token],
    ["approve", operator],
    ["on-shelf", seller.token],
  ] as const) {
    const res = await json(await call("POST", `/admin/v1/products/${productId}/${action}`, { token, body: {} }));
    if (res.status !== 200) throw new Error(`${action} failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/**
 * An operator approves the product's pending content revision: content edits of an audited product
 * (approved, on or off shelf, sold out) wait in one until then.
 */
export async function approvePendingRevision(productId: string) {
  const operator = await operatorToken();
  const product = await json<{ pendingRevision: { revisionId: string } | null }>(
    await call("GET", `/admin/v1/products/${productId}`, { token: operator }),
  );
  const revisionId = product.body.pendingRevision?.revisionId;
  if (!revisionId) throw new Error(`no pending revision on ${productId}: ${JSON.stringify(product.body)}`);
  const res = await json(
    await call("POST", `/admin/v1/products/${productId}/revisions/${revisionId}/approve`, {
      token: operator,
      body: {},
    }),
  );
  if (res.status !== 200) throw new Error(`approve failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Adds a grey XL SKU to `productId` at `version` as `seller` (in place for a DRAFT, as a pending
 * revision for an audited product); the answer as `json` gives it, for the test to check.
 */
export async function addGreyXlSku<P = unknown>(
  seller: Seller,
  productId: string,
  version: number,
  sku: { skuName: string; price: number | string; stock: number },
) {
  return json<{ skuId: string; product: P }>(
    await call("POST", `/admin/v1/products/${productId}/skus`, {
      token: seller.token,
      body: {
        version,
        ...sku,
        salesAttributes: [
          { attributeId: 201, value: "灰色" },
          { attributeId: 202, value: "XL" },
        ],
      },
    }),
  );
}

/** A small product in the T-shirt category with distinct names per call. */
let seq = 0;
export function tshirt(overrides: { name?: string; skus?: object[] } = {}) {
  seq += 1;
  return {
    categoryId: 1003001,
    spu: { name: overrides.name ?? `测试T恤 ${Date.now().toString(36)}-${seq}`, brandId: 2001, description: "test" },
    basicAttributes: [
      { attributeId: 101, value: "NIKE" },
      { attributeId: 102, value: "棉" },
    ],
    skus: overrides.skus ?? [
      {
        skuName: "黑色 L",
        price: 79.0,
        stock: 10,
        salesAttributes: [
          { attributeId: 201, value: "黑色" },
          { attributeId: 202, value: "L" },
        ],
      },
      {
        skuName: "白色 M",
        price: 89.5,
        stock: 5,
        salesAttributes: [
          { attributeId: 201, value: "白色" },
          { attributeId: 202, value: "M" },
        ],
      },
    ],
  };
}

/** A one-SKU T-shirt (¥79, 5 in stock) whose SKU carries the seller code `code`. */
export function tshirtWithCode(code: string) {
  return tshirt({
    skus: [
      {
        skuName: "x",
        price: 79,
        stock: 5,
        sellerSkuCode: code,
        salesAttributes: [
          { attributeId: 201, value: "黑色" },
          { attributeId: 202, value: "L" },
        ],
      },
    ],
  });
}
