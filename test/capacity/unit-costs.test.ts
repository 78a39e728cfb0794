/**
 * The per-order costs the capacity model (bench/capacity/unit-costs.ts, docs/capacity.md) reads,
 * measured on the real order path: `createOrder` for one unit of one SKU, many times, with every D1
 * round trip timed, and the database's size before and after. It asserts what is exact (round
 * trips are the same for every order) and prints what is measured (service times, bytes
 * per order); run it with `npm exec -- vitest run test/capacity/unit-costs.test.ts --silent=false`.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { UNIT_COSTS } from "../../bench/capacity/unit-costs";
import { QUEUES } from "../../shared/events/queues";
import { inventoryOf } from "../../shared/inventory/binding";
import { createOrder, type OrderDeps } from "../../shared/orders/create-order";
import { orderSettingsSchema } from "../../shared/orders/settings";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { authEnvSchema, readEnv } from "../../shared/platform/env";
import { countingD1, countingOrderStore, type Trip } from "../helpers/counting-d1";
import { newShopper, skuOnSale } from "../helpers/orders";
import { eventually } from "../helpers/payments";

const ORDERS = 40;
const SHOPPERS = 8;

function depsCounting(trips: Trip[]): OrderDeps {
  const tokens = readEnv(authEnvSchema, env);
  const producers: OrderDeps["producers"] = {};
  for (const binding of Object.values(QUEUES)) producers[binding] = env[binding];
  return {
    db: dbOf(countingD1(env.DB, trips)),
    orders: countingOrderStore(trips),
    clock: systemClock,
    producers,
    inventory: inventoryOf(env),
    orderNumbers: env.ORDER_NUMBERS,
    rateLimiter: env.RATE_LIMITER,
    settings: readEnv(orderSettingsSchema, env),
    tokenKey: { secret: tokens.secret, issuer: tokens.issuer },
  };
}

/** The database's size in bytes as D1 reports it after a statement. */
async function databaseBytes(): Promise<number> {
  return (await env.DB.prepare("SELECT 1").run()).meta.size_after;
}

/** Rows and their bytes (each value's stored text or blob length) over every table. */
async function tableBytes(): Promise<Map<string, { rows: number; bytes: number }>> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  ).all<{ name: string }>();
  const sizes = new Map<string, { rows: number; bytes: number }>();
  for (const { name } of tables.results) {
    const columns = await env.DB.prepare(`SELECT name FROM pragma_table_info('${name}')`).all<{ name: string }>();
    const sum = columns.results.map((c) => `coalesce(length(CAST("${c.name}" AS BLOB)), 0)`).join(" + ") || "0";
    const row = await env.DB.prepare(`SELECT count(*) AS n, coalesce(sum(${sum}), 0) AS b FROM "${name}"`).first<{
      n: number;
      b: number;
    }>();
    sizes.set(name, { rows: row?.n ?? 0, bytes: row?.b ?? 0 });
  }
  return sizes;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

describe("the capacity model's unit costs", () => {
  it("every order makes the same D1 round trips; prints their service times and bytes per order", async () => {
    const { skuId } = await skuOnSale(undefined, { stock: ORDERS * 2 });
    const shoppers = [];
    for (let i = 0; i < SHOPPERS; i++) shoppers.push(await newShopper());
    const bytesBefore = await databaseBytes();
    const tablesBefore = await tableBytes();

    // One at a time, so each round trip's time is the database's answer, not a queue behind others.
    const perOrder: Trip[][] = [];
    for (let i = 0; i < ORDERS; i++) {
      const shopper = shoppers[i % SHOPPERS];
      if (!shopper) throw new Error("no shopper");
      const trips: Trip[] = [];
      const result = await createOrder(depsCounting(trips), {
        userId: shopper.id,
        ip: `10.77.${Math.floor(i / 250)}.${i % 250}`,
        body: { items: [{ skuId, quantity: 1 }], addressId: shopper.addressId },
      });
      expect(result.orders).toHaveLength(1);
      perOrder.push(trips);
    }

    // Exact: every order makes the same round trips (the per-order figure is a constant).
    const d1Trips = (perOrder[0] ?? []).length;
    for (const trips of perOrder) expect(trips.filter((t) => t.to.startsWith("D1"))).toHaveLength(d1Trips);

    // Measured: each round trip's wall time (the i-th trip of every order), and the simple statement.
    const steps = (perOrder[0] ?? []).map((trip, i) => {
      const ms = perOrder.map((trips) => trips[i]?.ms ?? 0);
      return {
        what: trip.what,
        meanMs: round(mean(ms)),
        p50Ms: round(quantile(ms, 0.5)),
        p99Ms: round(quantile(ms, 0.99)),
      };
    });
    const simple: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await env.DB.prepare("SELECT id FROM users WHERE id = ?")
        .bind(shoppers[i % SHOPPERS]?.id)
        .first();
      simple.push(performance.now() - started);
    }
    const perOrderMs = perOrder.map((trips) => trips.reduce((sum, t) => sum + (t.ms ?? 0), 0));

    // Every order.created consumed (its inbox row written), so the sizes are whole and nothing
    // is still logging when the file's runtime closes.
    const consumedBefore = tablesBefore.get("processed_events")?.rows ?? 0;
    await eventually(
      () => env.DB.prepare("SELECT count(*) AS n FROM processed_events").first<{ n: number }>(),
      (row) => (row?.n ?? 0) >= consumedBefore + ORDERS,
      "order.created consumed for every order",
    );
    const bytesAfter = await databaseBytes();
    const tablesAfter = await tableBytes();
    const grown = [...tablesAfter]
      .map(([name, after]) => {
        const before = tablesBefore.get(name) ?? { rows: 0, bytes: 0 };
        return { name, rows: after.rows - before.rows, bytes: after.bytes - before.bytes };
      })
      .filter((t) => t.rows !== 0 || t.bytes !== 0);
    const rowBytes = grown.reduce((sum, t) => sum + t.bytes, 0);

    const report = {
      orders: ORDERS,
      modelFileSays: `${UNIT_COSTS.perOrder.d1RoundTrips.value} round trips (bench/capacity/unit-costs.ts: update it when this differs)`,
      d1RoundTripsPerOrder: steps.length,
      d1MsPerOrder: {
        mean: round(mean(perOrderMs)),
        p50: round(quantile(perOrderMs, 0.5)),
        p99: round(quantile(perOrderMs, 0.99)),
      },
      steps,
      simpleStatementMs: {
        mean: round(mean(simple), 3),
        p50: round(quantile(simple, 0.5), 3),
        p99: round(quantile(simple, 0.99), 3),
      },
      databaseBytesPerOrder: round((bytesAfter - bytesBefore) / ORDERS, 0),
      rowBytesPerOrder: round(rowBytes / ORDERS, 0),
      tables: grown.map((t) => ({
        ...t,
        rowsPerOrder: round(t.rows / ORDERS),
        bytesPerOrder: round(t.bytes / ORDERS, 0),
      })),
    };
    console.log(`capacity unit costs: ${JSON.stringify(report, null, 2)}`);
    expect(rowBytes).toBeGreaterThan(0);
    expect(bytesAfter).toBeGreaterThan(bytesBefore);
  }, 180_000);
});
