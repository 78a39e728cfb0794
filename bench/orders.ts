/**
 * The order-creation scenario: shopper1 places `POST /v1/orders` for one unit of one SKU, which
 * runs the whole saga (checkout facts, rate limits, saga row, stock hold in the SKU's object,
 * order numbers, snapshots, the order batch and the outbox). Set up at bench start through the
 * public APIs only: seller1 lists a product with one SKU of 1,000,000,000 units in category
 * 1003001 and takes it through submit → approve → on-shelf, and shopper1 gets a bench address
 * (reused by later runs; an address book holds 50). Each run adds one product to the local catalog.
 */
import { apiCall, createProduct, DEMO_CALLERS, tokenFor } from "./lib/api.ts";
import type { Scenario } from "./lib/load.ts";

export const ORDER_SCENARIO = "storefront POST /v1/orders (1 SKU, whole saga)";
const ORDER_CONNECTIONS = [64];

/** Stands in the scenario list (name and connections) until `orderScenario` has set it up. */
export const ORDER_PLACEHOLDER: Scenario = { name: ORDER_SCENARIO, path: "/v1/orders", connections: ORDER_CONNECTIONS };

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

/** The shopper's bench address (shopper1's, or a bench buyer's), added on the first run. */
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

/** Sets up the product and address, and answers the scenario (64 connections, 201 expected). */
export async function orderScenario(origin: string): Promise<Scenario> {
  const shopper = await tokenFor(DEMO_CALLERS.shopper1);
  const [skuId, addressId] = await Promise.all([hotProduct(origin), benchAddress(origin, shopper)]);
  return {
    name: ORDER_SCENARIO,
    method: "POST",
    path: "/v1/orders",
    headers: { authorization: `Bearer ${shopper}`, "content-type": "application/json" },
    body: JSON.stringify({ items: [{ skuId, quantity: 1 }], addressId }),
    expectStatus: 201,
    connections: ORDER_CONNECTIONS,
  };
}
