/**
 * The bench's floors (workers/dev-router/floor-bench.ts) do the work they stand for: the detail's
 * key read answers the key the storefront reads, and the order floor holds a unit in the SKU's
 * object and writes and deletes its rows as an order's batches do. A floor that did less would
 * make every route look closer to the most it could reach than it is.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { detailRevision } from "../../shared/catalog/storefront-product";
import { inventoryOf } from "../../shared/inventory/binding";
import { dbOf } from "../../shared/platform/db";
import { floorBenchRequest } from "../../workers/dev-router/floor-bench";
import { skuOnSale } from "../helpers/orders";

const ORIGIN = "http://dev-router.test/__bench/floor/";

async function call(method: string, path: string) {
  const ctx = createExecutionContext();
  const res = await floorBenchRequest(new Request(`${ORIGIN}${path}`, { method }), env, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("bench floors", () => {
  it("reads the product detail's key as the storefront does", async () => {
    const { productId } = await skuOnSale();
    const answer = await call("GET", `detail-key?product=${productId}`);
    expect(answer).toEqual({ status: 200, body: { revision: await detailRevision(dbOf(env.DB), productId) } });
  });

  it("holds one unit per order and writes the rows an order writes, its 2 outbox rows deleted after the answer", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: 3 });
    const stock = inventoryOf(env).getByName(skuId);
    const before = (await stock.view()).available;
    const answers = await Promise.all([1, 2, 3, 4].map(() => call("POST", `order?sku=${skuId}`)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 409]);
    expect((await stock.view()).available).toBe(before - 3);
    const rows = await env.DB.prepare(
      "SELECT kind, count(*) AS n FROM bench_floor_rows GROUP BY kind ORDER BY kind",
    ).all();
    // Every order wrote its saga row; the refused one stopped at its hold.
    expect(rows.results).toEqual(
      ["item", "order", "pay_order", "saga", "saga_done", "snapshot", "status"].map((kind) => ({
        kind,
        n: kind === "saga" ? 4 : 3,
      })),
    );
  });

  it("refuses what it does not know", async () => {
    expect((await call("POST", "order")).status).toBe(400);
    expect((await call("GET", "nothing")).status).toBe(404);
  });
});
