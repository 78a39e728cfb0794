/**
 * The shared permission suite: every route documented in the storefront's, admin's and webhooks'
 * OpenAPI documents is run against anonymous, shopper, seller of shop 1, seller of shop 2,
 * operator and a shop-1 API key. A route missing from POLICIES fails the suite, so new routes join
 * it by default. No caller ever gets a 5xx. Then every route addressing one shop's resource (a product, SKU,
 * warehouse, order, bulk job, API key) is called with shop 1's real ids as shop 2's seller and
 * API key, which must get 404 (and the owner must not, so the ids are real); a route with a path
 * parameter that is neither listed there nor exempt fails the suite too.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { demoId } from "../../db/seed/fixtures";
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
  "GET /v1/products/{productId}/reviews": "public",
  "GET /v1/products/{productId}/recommendations": "public",
  "GET /v1/home": "public",
  "GET /v1/shops/{shopId}/home": "public",
  "GET /p/{productId}": "public",
  "GET /p/{productId}/{slug}": "public",
  "GET /sitemap.xml": "public",
  "GET /sitemaps/{file}": "public",
  "GET /robots.txt": "public",
  "GET /v1/cart": "cart",
  "PUT /v1/cart/items/{skuId}": "cart",
  "POST /v1/checkout/quote": "user",
  "POST /v1/orders": "user",
  "GET /v1/orders": "user",
  "GET /v1/orders/{orderId}": "user",
  "POST /v1/orders/{orderId}/cancel": "user",
  "POST /v1/orders/{orderId}/items/{orderItemId}/review": "user",
  "POST /v1/orders/{orderId}/confirm-receipt": "user",
  "POST /v1/pay-orders/{payOrderId}/pay": "user",
  "GET /v1/pay-orders/{payOrderId}": "user",
  "GET /v1/vouchers": "public",
  "POST /v1/vouchers/{voucherId}/claim": "user",
  "GET /v1/me/vouchers": "user",
  "GET /v1/me/coins": "user",
  "POST /admin/v1/vouchers": "staff",
  "GET /admin/v1/vouchers": "staff",
  "POST /admin/v1/vouchers/{voucherId}/end": "staff",
  "POST /admin/v1/flash-sales": "staff",
  "GET /admin/v1/flash-sales": "staff",
  "GET /admin/v1/flash-sales/{campaignId}": "staff",
  "POST /admin/v1/flash-sales/{campaignId}/end": "staff",
  // Public, but a presented credential must be a valid session: it signs the shopper's entry proof.
  "GET /v1/flash-sales/{campaignId}": "cart",
  "POST /v1/flash-sales/{campaignId}/enter": "user",
  "POST /admin/v1/threshold-discounts": "staff",
  "POST /admin/v1/users/{userId}/coins": "operator",
  "POST /v1/orders/{orderId}/refunds": "user",
  "GET /v1/orders/{orderId}/refunds": "user",
  "GET /v1/refunds/{refundId}": "user",
  "POST /v1/refunds/{refundId}/return-shipment": "user",
  "GET /admin/v1/refunds": "staff",
  "POST /admin/v1/refunds/{refundId}/approve": "staff",
  "POST /admin/v1/refunds/{refundId}/reject": "staff",
  "POST /admin/v1/refunds/{refundId}/receive": "staff",
  "POST /admin/v1/refunds/{refundId}/retry": "operator",
  "POST /admin/v1/refunds/{refundId}/release": "staff",
  "POST /admin/v1/orders/{orderId}/refunds": "staff",
  "GET /admin/v1/health": "public",
  // Providers authenticate by signature, not by a bearer credential.
  "GET /webhooks/health": "public",
  "POST /webhooks/payments/{provider}": "public",
  "POST /webhooks/carriers/{carrier}": "public",
  "POST /admin/v1/images": "seller",
  "GET /admin/v1/whoami": "staff",
  "GET /admin/v1/home": "operator",
  "POST /admin/v1/reviews/{reviewId}/reply": "seller",
  "POST /admin/v1/reviews/{reviewId}/hide": "operator",
  "POST /admin/v1/experiments": "operator",
  "GET /admin/v1/experiments": "operator",
  "GET /admin/v1/experiments/{experimentId}": "operator",
  "POST /admin/v1/experiments/{experimentId}/stop": "operator",
  "GET /admin/v1/experiments/{experimentId}/report": "operator",
  "PUT /admin/v1/home": "operator",
  "POST /admin/v1/home/publish": "operator",
  "GET /admin/v1/shops/{shopId}/home": "staff",
  "PUT /admin/v1/shops/{shopId}/home": "staff",
  "POST /admin/v1/shops/{shopId}/home/publish": "staff",
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
  "POST /admin/v1/orders/{orderId}/ship": "staff",
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
  "GET /admin/v1/revisions": "operator",
  "POST /admin/v1/products/{productId}/revisions/{revisionId}/approve": "operator",
  "POST /admin/v1/products/{productId}/revisions/{revisionId}/reject": "operator",
  "GET /admin/v1/operation-logs": "staff",
  "POST /admin/v1/bulk-jobs": "seller",
  "GET /admin/v1/bulk-jobs/{jobId}": "staff",
  // Feeds: the shop's seller (or key) registers, changes and runs them; operators may read.
  "POST /admin/v1/feeds": "seller",
  "GET /admin/v1/feeds": "staff",
  "GET /admin/v1/feeds/{feedId}": "staff",
  "PATCH /admin/v1/feeds/{feedId}": "seller",
  "DELETE /admin/v1/feeds/{feedId}": "seller",
  "POST /admin/v1/feeds/{feedId}/run": "seller",
  "GET /admin/v1/feeds/{feedId}/runs": "staff",
  "GET /admin/v1/import-mappings/categories": "staff",
  "PUT /admin/v1/import-mappings/categories": "staff",
  "POST /admin/v1/ops/stock/adopt-projection": "operator",
  "POST /admin/v1/ops/search/rebuild": "operator",
  "GET /admin/v1/ops/search/rebuild": "operator",
  "GET /admin/v1/ops/search/rebuild/{jobId}": "operator",
  "GET /admin/v1/dead-letters": "operator",
  "POST /admin/v1/dead-letters/{deadLetterId}/replay": "operator",
  "GET /admin/v1/ledger/balances": "operator",
  "GET /admin/v1/ledger/transactions": "operator",
  "GET /admin/v1/payments": "staff",
  "POST /admin/v1/reconciliation/runs": "operator",
  "GET /admin/v1/reconciliation/runs/{runId}": "operator",
  "GET /admin/v1/reconciliation/discrepancies": "operator",
  "POST /admin/v1/ops/event-canaries": "operator",
  "GET /admin/v1/ops/event-canaries/{canaryId}": "operator",
  "GET /admin/v1/metrics": "operator",
  "GET /admin/v1/metrics/series": "operator",
  "GET /admin/v1/switches": "operator",
  "PUT /admin/v1/switches/{name}": "operator",
  "GET /admin/v1/reports/sales": "staff",
  "GET /admin/v1/shops": "operator",
  "GET /admin/v1/users": "operator",
  "POST /admin/v1/users/{userId}/disable": "operator",
  "POST /admin/v1/users/{userId}/enable": "operator",
  "POST /admin/v1/users/{userId}/unlock": "operator",
  "GET /admin/v1/order-slots": "operator",
  "POST /admin/v1/order-slots/{slot}/move": "operator",
  "POST /admin/v1/order-slots/{slot}/purge": "operator",
};

/**
 * What `who` gets from a route under `policy`: allowed (an answer below 500 that is not 401/403:
 * a 500 is never "allowed"), or the refusal.
 */
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
  for (const doc of ["/openapi.json", "/admin/openapi.json", "/webhooks/openapi.json"]) {
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
        expect(res.status, shown).toBeLessThan(500);
        if (want === "allowed") expect([401, 403], shown).not.toContain(res.status);
        else if (want === 401)
          expect(res.body, shown).toMatchObject({
            status: 401,
            code: expect.stringMatching(/^(unauthenticated|invalid_token|account_required)$/),
          });
        else expect(res.body, shown).toMatchObject({ status: 403, code: "forbidden" });
      });
    }
  }
});

/**
 * Routes that address one shop's resource, with a body that passes validation (so the answer is
 * about ownership, not shape). Shop 2's seller and API key get 404 for shop 1's ids.
 */
const SHOP_RESOURCES: Record<string, object | undefined> = {
  "GET /admin/v1/products/{productId}": undefined,
  "PATCH /admin/v1/products/{productId}": { version: 1, name: "taken over" },
  "POST /admin/v1/products/{productId}/skus": {
    version: 1,
    skuName: "taken over",
    price: 1,
    salesAttributes: [
      { attributeId: 201, value: "红色" },
      { attributeId: 202, value: "S" },
    ],
  },
  "GET /admin/v1/products/{productId}/snapshots": undefined,
  "GET /admin/v1/products/{productId}/revisions": undefined,
  "PATCH /admin/v1/skus/{skuId}": { version: 1, skuName: "taken over" },
  "PUT /admin/v1/skus/{skuId}/prices": { prices: [{ type: "standard", price: { amount: 1, currency: "CNY" } }] },
  "POST /admin/v1/skus/{skuId}/stock": { delta: 1, reason: "taken over" },
  "GET /admin/v1/skus/{skuId}/stock": undefined,
  "POST /admin/v1/skus/{skuId}/stock/transfers": { quantity: 1, reason: "taken over" },
  "PUT /admin/v1/skus/{skuId}/safety-stock": { threshold: 1 },
  "GET /admin/v1/skus/{skuId}/stock/movements": undefined,
  "PATCH /admin/v1/warehouses/{warehouseId}": { name: "taken over" },
  "GET /admin/v1/orders/{orderId}": undefined,
  // The suite's order is unpaid: its owner gets 409 invalid_transition, another shop 404.
  "POST /admin/v1/orders/{orderId}/refunds": {
    items: [{ orderItemId: "oit_taken_over", quantity: 1 }],
    reason: "taken over",
  },
  // The owner's ship of the unpaid order is 409 invalid_transition.
  "POST /admin/v1/orders/{orderId}/ship": { carrier: "sf-express", trackingNumber: "PERM-0001" },
  "GET /admin/v1/bulk-jobs/{jobId}": undefined,
  "GET /admin/v1/feeds/{feedId}": undefined,
  "GET /admin/v1/feeds/{feedId}/runs": undefined,
  "PATCH /admin/v1/feeds/{feedId}": { intervalMinutes: 120 },
  // The owner's run fetches a URL the test origin does not serve: a failed run, 202.
  "POST /admin/v1/feeds/{feedId}/run": undefined,
  "DELETE /admin/v1/feeds/{feedId}": undefined,
  "DELETE /admin/v1/api-keys/{apiKeyId}": undefined,
  "POST /admin/v1/products/{productId}/submit": {},
  "POST /admin/v1/products/{productId}/on-shelf": {},
  "POST /admin/v1/products/{productId}/off-shelf": {},
  "GET /admin/v1/shops/{shopId}/home": undefined,
  "PUT /admin/v1/shops/{shopId}/home": { modules: [] },
  "POST /admin/v1/shops/{shopId}/home/publish": {},
  // Last: the owner's call deletes the product.
  "POST /admin/v1/products/{productId}/delete": {},
};

/** A shopper's own resources: another shopper gets 404. */
const USER_RESOURCES: Record<string, object | undefined> = {
  "GET /v1/me/addresses/{addressId}": undefined,
  "PATCH /v1/me/addresses/{addressId}": { recipient: "taken over" },
  "GET /v1/orders/{orderId}": undefined,
  "GET /v1/orders/{orderId}/refunds": undefined,
  "POST /v1/orders/{orderId}/refunds": {
    items: [{ orderItemId: "oit_taken_over", quantity: 1 }],
    reason: "taken over",
  },
  "GET /v1/pay-orders/{payOrderId}": undefined,
  "POST /v1/pay-orders/{payOrderId}/pay": { method: "sandbox" },
  "POST /v1/orders/{orderId}/confirm-receipt": undefined,
  "POST /v1/orders/{orderId}/cancel": undefined,
  // The owner's review of an unpaid order's item is 409 invalid_transition.
  "POST /v1/orders/{orderId}/items/{orderItemId}/review": { stars: 5, text: "taken over" },
  "DELETE /v1/me/addresses/{addressId}": undefined,
};

/**
 * Routes with a path parameter that address no one shop's or shopper's resource: the platform's
 * catalog structure, public reads, and operator-only acts (any seller gets 403 for its role,
 * before any lookup, so it learns nothing about the resource).
 */
const NOT_OWNED = new Set([
  // A refund exists only for a paid order, which this suite does not make: test/refunds/refunds.test.ts
  // checks that another shop's seller and another shopper get 404 for each of these.
  "GET /v1/refunds/{refundId}",
  "POST /v1/refunds/{refundId}/return-shipment",
  "POST /admin/v1/refunds/{refundId}/approve",
  "POST /admin/v1/refunds/{refundId}/reject",
  "POST /admin/v1/refunds/{refundId}/receive",
  "POST /admin/v1/refunds/{refundId}/release",
  // Operators only: a seller gets 403 for its role before any lookup.
  "POST /admin/v1/refunds/{refundId}/retry",
  "GET /admin/v1/categories/{categoryId}/attributes",
  "PUT /admin/v1/categories/{categoryId}/attributes",
  "GET /v1/images/{shopId}/{file}",
  "GET /v1/products/{productId}",
  "GET /v1/shops/{shopId}/home",
  "GET /v1/products/{productId}/reviews",
  "GET /v1/products/{productId}/recommendations",
  // A shop-1 review needs a completed order; test/discovery/reviews.test.ts checks another seller gets 404.
  "POST /admin/v1/reviews/{reviewId}/reply",
  // Experiments are operators' only (the platform's, no shop's).
  "GET /admin/v1/experiments/{experimentId}",
  "POST /admin/v1/experiments/{experimentId}/stop",
  "GET /admin/v1/experiments/{experimentId}/report",
  "GET /p/{productId}",
  "GET /p/{productId}/{slug}",
  "GET /sitemaps/{file}",
  "PUT /v1/cart/items/{skuId}",
  "POST /webhooks/payments/{provider}",
  "POST /webhooks/carriers/{carrier}",
  "POST /admin/v1/products/{productId}/approve",
  "POST /admin/v1/products/{productId}/reject",
  "POST /admin/v1/products/{productId}/freeze",
  "POST /admin/v1/products/{productId}/unfreeze",
  // A voucher anyone may claim; coins are granted by operators only.
  "POST /v1/vouchers/{voucherId}/claim",
  "POST /admin/v1/users/{userId}/coins",
  // Accounts are the platform's: operators only.
  "POST /admin/v1/users/{userId}/disable",
  "POST /admin/v1/users/{userId}/enable",
  "POST /admin/v1/users/{userId}/unlock",
  // Order slots are the platform's databases: operators only.
  "POST /admin/v1/order-slots/{slot}/move",
  "POST /admin/v1/order-slots/{slot}/purge",
  // test/promotions/voucher-admin.test.ts checks another shop's seller gets 404 ending a shop voucher.
  "POST /admin/v1/vouchers/{voucherId}/end",
  // A campaign is public on the storefront; test/flash-sales/campaigns.test.ts checks another shop's
  // seller gets 404 for a campaign's admin read and end.
  "GET /v1/flash-sales/{campaignId}",
  "POST /v1/flash-sales/{campaignId}/enter",
  "GET /admin/v1/flash-sales/{campaignId}",
  "POST /admin/v1/flash-sales/{campaignId}/end",
]);

describe("another shop's or shopper's resources answer 404", () => {
  const ids: Record<string, string> = {};
  let transfer: { fromWarehouseId: string; toWarehouseId: string } = { fromWarehouseId: "", toWarehouseId: "" };
  let shop2Key = "";
  let otherShopper = "";

  beforeAll(async () => {
    const seller1 = tokens.seller1;
    const operator = tokens.operator;
    const post = async <T>(path: string, token: string | undefined, body: unknown, want = 201) => {
      const res = await json<T>(await call("POST", path, { token, body }));
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(want);
      return res.body;
    };
    const product = (name: string) => ({
      categoryId: 1003001,
      spu: { name: `${name} ${Date.now()}`, brandId: 2001 },
      basicAttributes: [
        { attributeId: 101, value: "NIKE" },
        { attributeId: 102, value: "棉" },
      ],
      skus: [
        {
          skuName: "黑色 L",
          price: 79,
          stock: 10,
          salesAttributes: [
            { attributeId: 201, value: "黑色" },
            { attributeId: 202, value: "L" },
          ],
        },
      ],
    });
    const onSale = await post<{ productId: string; skuIds: string[] }>("/admin/v1/products", seller1, product("在售"));
    for (const [action, token] of [
      ["submit", seller1],
      ["approve", operator],
      ["on-shelf", seller1],
    ] as const) {
      await post(`/admin/v1/products/${onSale.productId}/${action}`, token, {}, 200);
    }
    const draft = await post<{ productId: string; skuIds: string[] }>("/admin/v1/products", seller1, product("草稿"));
    const order = await post<{ payOrderId: string; orders: { orderId: string }[] }>("/v1/orders", tokens.shopper, {
      items: [{ skuId: onSale.skuIds[0], quantity: 1 }],
      addressId: demoId("adr", 1),
    });
    const warehouses = await json<{ items: { warehouseId: string; isDefault: boolean }[] }>(
      await call("GET", "/admin/v1/warehouses", { token: seller1 }),
    );
    const warehouse = await post<{ warehouseId: string }>("/admin/v1/warehouses", seller1, {
      name: "permission suite",
      region: "CN-ZJ",
    });
    const job = await post<{ jobId: string }>("/admin/v1/bulk-jobs", seller1, [product("批量")], 202);
    const feed = await post<{ feedId: string }>("/admin/v1/feeds", seller1, {
      url: "https://origin.feeds.test/permission-suite.json",
      format: "json",
      intervalMinutes: 60,
    });
    const key = await post<{ apiKeyId: string }>("/admin/v1/api-keys", seller1, {
      name: "to be revoked",
      scopes: ["catalog:read"],
    });
    const address = await post<{ addressId: string }>("/v1/me/addresses", tokens.shopper, {
      recipient: "张三",
      phone: "+86 138 0000 0000",
      country: "CN",
      province: "上海",
      city: "上海",
      line1: "南京西路 1 号",
      postalCode: "200000",
    });
    Object.assign(ids, {
      shopId: demoId("shp", 1),
      productId: draft.productId,
      skuId: draft.skuIds[0],
      warehouseId: warehouse.warehouseId,
      orderId: order.orders[0]?.orderId,
      payOrderId: order.payOrderId,
      jobId: job.jobId,
      feedId: feed.feedId,
      apiKeyId: key.apiKeyId,
      addressId: address.addressId,
      orderItemId: (
        await json<{ items: { orderItemId: string }[] }>(
          await call("GET", `/v1/orders/${order.orders[0]?.orderId}`, { token: tokens.shopper }),
        )
      ).body.items[0]?.orderItemId,
    });
    transfer = {
      fromWarehouseId: warehouses.body.items.find((w) => w.isDefault)?.warehouseId ?? "",
      toWarehouseId: warehouse.warehouseId,
    };
    shop2Key = (
      await post<{ key: string }>("/admin/v1/api-keys", tokens.seller2, { name: "shop 2", scopes: [...API_SCOPES] })
    ).key;
    otherShopper = await tokenFor({ userId: "usr_permission_other_shopper", roles: ["shopper"] });
  });

  const send = (route: string, table: Record<string, object | undefined>, token: string | undefined) => {
    const [method = "GET", template = "/"] = route.split(" ");
    const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => ids[name] ?? `missing_${name}`);
    const body = route.endsWith("/stock/transfers") ? { ...transfer, ...table[route] } : table[route];
    return call(method, path, { token, ...(body ? { body } : {}) }).then(json);
  };

  it("lists every route with a path parameter as owned by a shop or shopper, or as not owned", async () => {
    const unlisted = (await documentedRoutes()).filter(
      (r) =>
        r.includes("{") &&
        POLICIES[r] !== "operator" &&
        !(r in SHOP_RESOURCES) &&
        !(r in USER_RESOURCES) &&
        !NOT_OWNED.has(r),
    );
    expect(unlisted, "add these to SHOP_RESOURCES, USER_RESOURCES or NOT_OWNED").toEqual([]);
  });

  it("answers shop 2's seller and API key 404 for shop 1's resources, and the owner not", async () => {
    for (const route of Object.keys(SHOP_RESOURCES)) {
      // Keys cannot reach routes for people at all (403 before any lookup).
      const callers: [string, string | undefined][] = [["seller2", tokens.seller2]];
      if (POLICIES[route] !== "staff-human") callers.push(["shop 2 API key", shop2Key]);
      for (const [who, token] of callers) {
        const res = await send(route, SHOP_RESOURCES, token);
        expect(res.body, `${route} as ${who}: ${JSON.stringify(res.body)}`).toMatchObject({
          status: 404,
          code: "not_found",
        });
      }
    }
    // The same requests from the owner find the resources (in this order; the last deletes).
    for (const route of Object.keys(SHOP_RESOURCES)) {
      const res = await send(route, SHOP_RESOURCES, tokens.seller1);
      expect(res.status, `${route} as the owner: ${JSON.stringify(res.body)}`).not.toBe(404);
      expect(res.status, `${route} as the owner: ${JSON.stringify(res.body)}`).toBeLessThan(500);
    }
  });

  it("answers another shopper 404 for a shopper's addresses and orders, and the owner not", async () => {
    for (const route of Object.keys(USER_RESOURCES)) {
      const res = await send(route, USER_RESOURCES, otherShopper);
      expect(res.body, `${route}: ${JSON.stringify(res.body)}`).toMatchObject({ status: 404, code: "not_found" });
    }
    for (const route of Object.keys(USER_RESOURCES)) {
      const res = await send(route, USER_RESOURCES, tokens.shopper);
      expect(res.status, `${route} as the owner: ${JSON.stringify(res.body)}`).not.toBe(404);
      expect(res.status, `${route} as the owner: ${JSON.stringify(res.body)}`).toBeLessThan(500);
    }
  });
});
