/**
 * The shared permission suite: every route documented in the storefront's and admin's OpenAPI
 * documents is run against anonymous, shopper, seller of shop 1, seller of shop 2, operator and a
 * shop-1 API key. A route missing from POLICIES fails the suite, so new routes join it by default.
 * (Resource scoping, another seller's data answering 404, is tested with each resource.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { API_SCOPES } from "../../shared/platform/auth";
import { DEMO, tokenFor } from "../helpers/callers";
import { call, json } from "../helpers/http";

/**
 * - public: anyone;
 * - user: any logged-in user (the storefront does not take API keys);
 * - staff: sellers, operators and API keys;
 * - staff-human: sellers and operators, not API keys;
 * - seller: sellers and their API keys (work done for a shop);
 * - operator: operators only;
 * - cart: anyone, guests by cart token; a credential that is presented must be valid.
 */
type Policy = "public" | "user" | "staff" | "staff-human" | "seller" | "operator" | "cart";
type Who = "anonymous" | "shopper" | "seller1" | "seller2" | "operator" | "apiKey";

const POLICIES: Record<string, Policy> = {
  "GET /v1/health": "public",
  "POST /v1/auth/register": "public",
  "POST /v1/auth/login": "public",
  "POST /v1/auth/refresh": "public",
  "POST /v1/auth/logout": "public",
  "GET /v1/me": "user",
  "GET /v1/me/addresses": "user",
  "POST /v1/me/addresses": "user",
  "GET /v1/me/addresses/{addressId}": "user",
  "PATCH /v1/me/addresses/{addressId}": "user",
  "DELETE /v1/me/addresses/{addressId}": "user",
  "GET /v1/images/{shopId}/{file}": "public",
  "GET /v1/categories": "public",
  "GET /v1/products": "public",
  "GET /v1/products/{productId}": "public",
  "GET /v1/cart": "cart",
  "PUT /v1/cart/items/{skuId}": "cart",
  "POST /v1/checkout/quote": "user",
  "POST /v1/orders": "user",
  "GET /v1/orders": "user",
  "GET /v1/orders/{orderId}": "user",
  "POST /v1/orders/{orderId}/cancel": "user",
  "GET /admin/v1/health": "public",
  "POST /admin/v1/images": "seller",
  "GET /admin/v1/whoami": "staff",
  "POST /admin/v1/api-keys": "staff-human",
  "GET /admin/v1/api-keys": "staff-human",
  "DELETE /admin/v1/api-keys/{apiKeyId}": "staff-human",
  "GET /admin/v1/categories": "staff",
  "POST /admin/v1/categories": "operator",
  "POST /admin/v1/brands": "operator",
  "POST /admin/v1/attributes": "operator",
  "GET /admin/v1/categories/{categoryId}/attributes": "staff",
  "PUT /admin/v1/categories/{categoryId}/attributes": "operator",
  "POST /admin/v1/products": "staff",
  "GET /admin/v1/products": "staff",
  "GET /admin/v1/products/{productId}": "staff",
  "PATCH /admin/v1/products/{productId}": "staff",
  "POST /admin/v1/products/{productId}/skus": "staff",
  "PATCH /admin/v1/skus/{skuId}": "staff",
  "PUT /admin/v1/skus/{skuId}/prices": "staff",
  "POST /admin/v1/skus/{skuId}/stock": "staff",
  "GET /admin/v1/skus/{skuId}/stock": "staff",
  "POST /admin/v1/skus/{skuId}/stock/transfers": "staff",
  "GET /admin/v1/skus/{skuId}/stock/movements": "staff",
  "PUT /admin/v1/skus/{skuId}/safety-stock": "staff",
  "GET /admin/v1/stock-alerts": "staff",
  "GET /admin/v1/warehouses": "staff",
  "POST /admin/v1/warehouses": "staff",
  "PATCH /admin/v1/warehouses/{warehouseId}": "staff",
  "GET /admin/v1/orders": "staff",
  "GET /admin/v1/orders/{orderId}": "staff",
  "GET /admin/v1/shipping-template": "staff",
  "PUT /admin/v1/shipping-template": "staff",
  "GET /admin/v1/products/{productId}/snapshots": "staff",
  "POST /admin/v1/products/{productId}/submit": "staff",
  "POST /admin/v1/products/{productId}/approve": "staff",
  "POST /admin/v1/products/{productId}/reject": "staff",
  "POST /admin/v1/products/{productId}/on-shelf": "staff",
  "POST /admin/v1/products/{productId}/off-shelf": "staff",
  "POST /admin/v1/products/{productId}/freeze": "staff",
  "POST /admin/v1/products/{productId}/unfreeze": "staff",
  "POST /admin/v1/products/{productId}/delete": "staff",
  "GET /admin/v1/products/{productId}/revisions": "staff",
  "POST /admin/v1/products/{productId}/revisions/{revisionId}/approve": "operator",
  "POST /admin/v1/products/{productId}/revisions/{revisionId}/reject": "operator",
  "GET /admin/v1/operation-logs": "staff",
  "POST /admin/v1/bulk-jobs": "seller",
  "GET /admin/v1/bulk-jobs/{jobId}": "staff",
  "POST /admin/v1/ops/stock/adopt-projection": "operator",
  "POST /admin/v1/ops/search/rebuild": "operator",
  "GET /admin/v1/dead-letters": "operator",
  "POST /admin/v1/dead-letters/{deadLetterId}/replay": "operator",
  "POST /admin/v1/ops/event-canaries": "operator",
  "GET /admin/v1/ops/event-canaries/{canaryId}": "operator",
};

/** What `who` gets from a route under `policy`: allowed (any status but 401/403), or the refusal. */
function expected(policy: Policy, who: Who, admin: boolean): "allowed" | 401 | 403 {
  if (policy === "public") return "allowed";
  if (policy === "cart") return who === "apiKey" ? 401 : "allowed";
  if (who === "anonymous") return 401;
  if (who === "apiKey" && !admin) return 401; // not a JWT: the storefront refuses it as a token
  switch (policy) {
    case "user":
      return "allowed";
    case "staff":
      return who === "shopper" ? 403 : "allowed";
    case "staff-human":
      return who === "shopper" || who === "apiKey" ? 403 : "allowed";
    case "seller":
      return who === "seller1" || who === "seller2" || who === "apiKey" ? "allowed" : 403;
    case "operator":
      return who === "operator" ? "allowed" : 403;
  }
}

const tokens = {} as Record<Who, string | undefined>;

beforeAll(async () => {
  tokens.anonymous = undefined;
  tokens.shopper = await tokenFor(DEMO.shopper);
  tokens.seller1 = await tokenFor(DEMO.seller1);
  tokens.seller2 = await tokenFor(DEMO.seller2);
  tokens.operator = await tokenFor(DEMO.operator);
  const key = await json<{ key: string }>(
    await call("POST", "/admin/v1/api-keys", {
      token: tokens.seller1,
      body: { name: "permission suite", scopes: [...API_SCOPES] },
    }),
  );
  tokens.apiKey = key.body.key;
});

async function documentedRoutes(): Promise<string[]> {
  const routes: string[] = [];
  for (const doc of ["/openapi.json", "/admin/openapi.json"]) {
    const { body } = await json<{ paths: Record<string, Record<string, unknown>> }>(await call("GET", doc));
    for (const [path, methods] of Object.entries(body.paths)) {
      for (const method of Object.keys(methods)) routes.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return routes;
}

describe("permissions", () => {
  it("classifies every documented route", async () => {
    const unclassified = (await documentedRoutes()).filter((r) => !(r in POLICIES));
    expect(unclassified, "add these routes to POLICIES").toEqual([]);
  });

  for (const [route, policy] of Object.entries(POLICIES)) {
    const [method = "GET", template = "/"] = route.split(" ");
    const path = template.replace(/\{[^}]+\}/g, "x_unknown");
    const admin = path.startsWith("/admin/");
    for (const who of ["anonymous", "shopper", "seller1", "seller2", "operator", "apiKey"] as const) {
      it(`${route} as ${who}`, async () => {
        const res = await json(
          await call(method, path, {
            token: tokens[who],
            ...(method === "GET" || method === "DELETE" ? {} : { body: {} }),
          }),
        );
        const want = expected(policy, who, admin);
        const shown = JSON.stringify(res.body);
        if (want === "allowed") expect([401, 403], shown).not.toContain(res.status);
        else if (want === 401)
          expect(res.body, shown).toMatchObject({
            status: 401,
            code: expect.stringMatching(/^(unauthenticated|invalid_token)$/),
          });
        else expect(res.body, shown).toMatchObject({ status: 403, code: "forbidden" });
      });
    }
  }
});
