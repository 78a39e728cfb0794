/**
 * The routes the bench drives. `hello` is the ceiling: the dev router answers it without any
 * framework, so every other route's throughput is reported as a ratio of what the runtime itself
 * does on this machine in the same run. Later issues add their routes here.
 */

import { generateCatalog } from "../db/seed/catalog.ts";
import { DEV_JWT_SECRET } from "../scripts/local.ts";
import { signAccessToken } from "../shared/platform/auth.ts";
import { systemClock } from "../shared/platform/clock.ts";
import { coldSearchScenario } from "./cold-search.ts";
import type { Scenario } from "./lib/load.ts";

export const CEILING = "hello (router only)";
/** Scenarios other measurements reuse by name. */
export const DETAIL = "product detail (edge cache)";
export const LOGIN = "storefront POST /v1/auth/login (scrypt)";
export const HOME = "storefront GET /v1/home (edge cache, key in one D1 read)";
export const PRODUCT_PAGE = "SEO product page GET /p/:id (HTML, edge cache)";

/** A product and SKU of the generated demo catalog (db/seed/catalog.ts numbers them from 1001). */
const DEMO_PRODUCT = "spu_00000000000000000000001001";
const DEMO_SKU = "sku_00000000000000000000001001";
/** The first generated demo product that is on shelf (the generator is deterministic). */
const ON_SHELF_PRODUCT = `spu_${String(1000 + 1 + generateCatalog(50).findIndex((p) => p.status === 10)).padStart(26, "0")}`;
/** A cached product detail: one D1 key read, so it answers slowly while D1 still works off a backlog. */
export const DETAIL_PATH = `/v1/products/${ON_SHELF_PRODUCT}`;
/** The detail's key read alone, bare in the dev router (workers/dev-router/floor-bench.ts). */
export const DETAIL_KEY_FLOOR_PATH = `/__bench/floor/detail-key?product=${ON_SHELF_PRODUCT}`;

/** Builds the scenarios; some need an operator token signed with the local dev secret. */
export async function scenarios(): Promise<Scenario[]> {
  const operator = await signAccessToken(
    { userId: "usr_00000000000000000000000001", roles: ["operator"] },
    { secret: DEV_JWT_SECRET, issuer: "edge-commerce", audience: "edge-commerce", clock: systemClock },
    3600,
  );
  const shopper = await signAccessToken(
    { userId: "usr_00000000000000000000000004", roles: ["shopper"] },
    { secret: DEV_JWT_SECRET, issuer: "edge-commerce", audience: "edge-commerce", clock: systemClock },
    3600,
  );
  const auth = { authorization: `Bearer ${operator}` };
  const json = { "content-type": "application/json" };
  return [
    { name: CEILING, path: "/__hello" },
    { name: "storefront GET /v1/health", path: "/v1/health" },
    { name: "admin GET /admin/v1/health", path: "/admin/v1/health" },
    { name: "webhooks GET /webhooks/health", path: "/webhooks/health" },
    { name: "storefront 404 problem+json", path: "/v1/does-not-exist", expectStatus: 404 },
    { name: "admin GET dead-letters (JWT + D1 read)", path: "/admin/v1/dead-letters?limit=20", headers: auth },
    {
      name: "admin POST canary, idempotent replay (JWT + D1)",
      method: "POST",
      path: "/admin/v1/ops/event-canaries",
      headers: { ...auth, "content-type": "application/json", "idempotency-key": "bench-replay" },
      body: JSON.stringify({ queue: "order-events" }),
      expectStatus: 202,
    },
    {
      // Each login verifies one scrypt hash (N=2^15, r=8, p=3): this is the hash time in workerd.
      name: LOGIN,
      method: "POST",
      path: "/v1/auth/login",
      headers: json,
      body: JSON.stringify({ username: "shopper1", password: "shopper-dev-password" }),
      connections: [1, 4],
    },
    { name: "storefront GET /v1/me (JWT + D1)", path: "/v1/me", headers: { authorization: `Bearer ${shopper}` } },
    // A shopper's orders come from their shard; an operator's list asks every shard and merges
    // (docs/decisions.md "Lists across shards"): the pair shows what the fan-out costs.
    {
      name: "storefront GET /v1/orders (one shard)",
      path: "/v1/orders?limit=20",
      headers: { authorization: `Bearer ${shopper}` },
    },
    { name: "admin GET /admin/v1/orders (every shard, merged)", path: "/admin/v1/orders?limit=20", headers: auth },
    { name: "search q=T恤 (FTS, facets)", path: `/v1/products?q=${encodeURIComponent("T恤")}` },
    { name: "search q=nike sort=price_asc", path: "/v1/products?q=nike&sort=price_asc" },
    {
      name: "search category subtree + price range",
      path: "/v1/products?categoryId=1003&minPrice=5000&maxPrice=20000",
    },
    {
      name: "search attr.颜色=黑色 in a category",
      path: `/v1/products?categoryId=1003001&attr.${encodeURIComponent("颜色")}=${encodeURIComponent("黑色")}`,
    },
    coldSearchScenario(),
    { name: DETAIL, path: DETAIL_PATH },
    // What a cached detail's one D1 read costs by itself: the most a cached detail could reach here.
    { name: "floor: the detail's key read, bare in the router", path: DETAIL_KEY_FLOOR_PATH },
    { name: HOME, path: "/v1/home" },
    { name: PRODUCT_PAGE, path: `/p/${ON_SHELF_PRODUCT}` },
    { name: "admin GET product (JWT + 7 D1 reads)", path: `/admin/v1/products/${DEMO_PRODUCT}`, headers: auth },
    { name: "admin GET SKU stock (D1 + object RPC)", path: `/admin/v1/skus/${DEMO_SKU}/stock`, headers: auth },
    {
      name: "admin POST stock delta (object write + D1)",
      method: "POST",
      path: `/admin/v1/skus/${DEMO_SKU}/stock`,
      headers: { ...auth, ...json },
      body: JSON.stringify({ delta: 1, reason: "bench receiving" }),
    },
  ];
}
