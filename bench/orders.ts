/**
 * The order-creation scenarios: a shopper places `POST /v1/orders` for one unit of one SKU, which
 * runs the whole saga (checkout facts, rate limits, saga row, stock hold in the SKU's object,
 * order numbers, snapshots, the order batch and the outbox); and the same order with a platform
 * voucher's code, which adds the promotions' reads and the voucher hold (one conditional D1
 * batch) to the saga. Both run on the same SKU at the same connections in the same run, so the
 * difference is the voucher's cost; each has its own shopper, registered for this run, on shard
 * 0. Set up
 * at bench start through the public APIs only: seller1 lists a product with one SKU of
 * 1,000,000,000 units in category 1003001 and takes it through submit → approve → on-shelf, the
 * operator creates a ¥1-off voucher with a fresh code, and the two shoppers get the bench
 * address. Each run adds one product, one voucher and the shoppers to the local database.
 */

import { userSuffix } from "../shared/orders/user-suffix.ts";
import { apiCall, createProduct, DEMO_CALLERS, tokenFor } from "./lib/api.ts";
import type { Scenario } from "./lib/load.ts";
import { type Buyer, benchBuyer, RUN_TAG } from "./lib/steps.ts";

export const ORDER_SCENARIO = "storefront POST /v1/orders (1 SKU, whole saga)";
export const VOUCHER_ORDER_SCENARIO = "storefront POST /v1/orders (1 SKU + voucher)";
// BENCH_ORDER_CONNECTIONS: on a machine so busy that orders at 64 connections outlast the load
// generator's 10 s timeout (every request counted an error), fewer still give a ratio.
const ORDER_CONNECTIONS = (process.env.BENCH_ORDER_CONNECTIONS ?? "64").split(",").map(Number);

/** Stand in the scenario list (name and connections) until `orderScenarios` has set them up. */
export const ORDER_PLACEHOLDER: Scenario = { name: ORDER_SCENARIO, path: "/v1/orders", connections: ORDER_CONNECTIONS };
export const VOUCHER_ORDER_PLACEHOLDER: Scenario = { ...ORDER_PLACEHOLDER, name: VOUCHER_ORDER_SCENARIO };
/**
 * The order's D1 batches and object calls done bare in the dev router (workers/dev-router/
 * floor-bench.ts), on the same SKU: the most an order could reach here with no hop, no framework,
 * no queue and trivial rows, to read the order's ratio against.
 */
export const ORDER_FLOOR_SCENARIO = "floor: an order's D1 batches + object calls, bare in the router";
export const ORDER_FLOOR_PLACEHOLDER: Scenario = { ...ORDER_PLACEHOLDER, name: ORDER_FLOOR_SCENARIO };

const BENCH_ADDRESS = {
  recipient: "Bench Shopper",
  phone: "+86 138 0000 0000",
  country: "CN",
  province: "上海",
  city: "上海",
  line1: "南京西路 1 号 (bench)",
  postalCode: "200000",
};

/** A product on shelf in seller1's shop with one SKU of very large stock; returns the SKU id. */
export async function hotProduct(origin: string, label = "orders"): Promise<string> {
  const created = await createProduct(origin, `压测T恤 ${label} ${new Date().toISOString()}`, [
    { skuName: "黑色 L", stock: 1_000_000_000, colour: "黑色", size: "L" },
  ]);
  const [seller, operator] = await Promise.all([tokenFor(DEMO_CALLERS.seller1), tokenFor(DEMO_CALLERS.operator)]);
  for (const [action, bearer] of [
    ["submit", seller],
    ["approve", operator],
    ["on-shelf", seller],
  ] as const) {
    await apiCall(origin, "POST", `/admin/v1/products/${created.productId}/${action}`, bearer, {});
  }
  const skuId = created.skuIds[0];
  if (!skuId) throw new Error("bench setup: the product has no SKU");
  return skuId;
}

/** A bench buyer's bench address, added on its first run. */
export async function benchAddress(origin: string, shopper: string): Promise<string> {
  const book = await apiCall<{ items: { addressId: string; recipient: string; line1: string }[] }>(
    origin,
    "GET",
    "/v1/me/addresses?limit=100",
    shopper,
  );
  const known = book.items.find((a) => a.recipient === BENCH_ADDRESS.recipient && a.line1 === BENCH_ADDRESS.line1);
  if (known) return known.addressId;
  return (await apiCall<{ addressId: string }>(origin, "POST", "/v1/me/addresses", shopper, BENCH_ADDRESS)).addressId;
}

/**
 * A running platform voucher for the bench: ¥1 off, no minimum, as many uses as a voucher may
 * have and the most a shopper may use one (1,000: a 64-connection run of 10 s places fewer).
 * Answers its code, fresh per run.
 */
export async function benchVoucher(origin: string): Promise<string> {
  const now = Date.now();
  const code = `BENCH${now.toString(36).toUpperCase()}`;
  await apiCall(origin, "POST", "/admin/v1/vouchers", await tokenFor(DEMO_CALLERS.operator), {
    name: "压测券",
    scope: "platform",
    kind: "fixed",
    value: { amount: 100, currency: "CNY" },
    minSpend: { amount: 0, currency: "CNY" },
    startsAt: new Date(now - 60_000).toISOString(),
    endsAt: new Date(now + 86_400_000).toISOString(),
    totalCount: 10_000_000,
    perUserLimit: 1000,
    claimable: false,
    codes: { mode: "single", code },
  });
  return code;
}

/**
 * A bench buyer whose orders live on shard 0, the commerce database (registered under `name`,
 * `name` + 1, ... until one is), so every run measures the same path: the shopper's shard decides
 * whether the saga row and the facts are one batch or two, and its database. An even slot is on
 * shard 0 both in a fresh `npm run dev` (slot i on shard i % 2) and in an older local database
 * (every slot on shard 0); earlier runs' shopper1 (slot 4) was too.
 */
async function buyerOnShardZero(origin: string, name: string): Promise<Buyer> {
  for (let i = 0; ; i++) {
    const buyer = await benchBuyer(origin, i === 0 ? name : `${name}${i}`);
    if (userSuffix(buyer.userId) % 2 === 0) return buyer;
  }
}

/**
 * Sets up the product, address and voucher, and answers the scenarios (64 connections): the order
 * without a voucher and the same order with the voucher's code (201 expected), and the order's
 * floor on the same SKU.
 */
export async function orderScenarios(
  origin: string,
): Promise<{ plain: Scenario; withVoucher: Scenario; floor: Scenario }> {
  // A shopper per scenario, new this run (on shard 0): each order's hold-cap read sums its
  // shopper's unpaid orders, so one shopper for both (or over runs) would make later orders cost more.
  const [skuId, plainBuyer, voucherBuyer, voucherCode] = await Promise.all([
    hotProduct(origin),
    buyerOnShardZero(origin, `benchorder${RUN_TAG}`),
    buyerOnShardZero(origin, `benchvoucher${RUN_TAG}`),
    benchVoucher(origin),
  ]);
  const order = (name: string, buyer: Buyer, extra: object): Scenario => ({
    name,
    method: "POST",
    path: "/v1/orders",
    headers: { authorization: `Bearer ${buyer.token}`, "content-type": "application/json" },
    body: JSON.stringify({ items: [{ skuId, quantity: 1 }], addressId: buyer.addressId, ...extra }),
    expectStatus: 201,
    connections: ORDER_CONNECTIONS,
  });
  return {
    plain: order(ORDER_SCENARIO, plainBuyer, {}),
    withVoucher: order(VOUCHER_ORDER_SCENARIO, voucherBuyer, { voucherCode }),
    floor: {
      name: ORDER_FLOOR_SCENARIO,
      method: "POST",
      path: `/__bench/floor/order?sku=${encodeURIComponent(skuId)}`,
      expectStatus: 200,
      connections: ORDER_CONNECTIONS,
    },
  };
}

/** The voucher's cost beside the plain order, per connection count measured (throughput ratio, p50/p99). */
export function describeVoucherCost(
  results: readonly {
    scenario: string;
    connections: number;
    requestsPerSecond: number;
    latencyMs: { p50: number; p99: number };
  }[],
): string[] {
  return results
    .filter((m) => m.scenario === ORDER_SCENARIO)
    .flatMap((plain) => {
      const voucher = results.find((m) => m.scenario === VOUCHER_ORDER_SCENARIO && m.connections === plain.connections);
      if (!voucher) return [];
      const ratio = Math.round((voucher.requestsPerSecond / plain.requestsPerSecond) * 100) / 100;
      return [
        `order creation at ${plain.connections} conn: ${plain.requestsPerSecond} req/s (p50 ${plain.latencyMs.p50} ms, ` +
          `p99 ${plain.latencyMs.p99} ms) without a voucher, ${voucher.requestsPerSecond} req/s (p50 ` +
          `${voucher.latencyMs.p50} ms, p99 ${voucher.latencyMs.p99} ms) with one: x${ratio}`,
      ];
    });
}
