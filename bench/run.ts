/**
 * `npm run bench`: starts the platform locally, drives each scenario over HTTP at fixed
 * connection counts, and reports req/s and p50/p95/p99 per route with its throughput as a ratio
 * of the hello-world ceiling measured in the same run. Results go to bench/results/<time>.json.
 * Options: BENCH_DURATION=seconds (default 10), BENCH_CONNECTIONS=16,64, BENCH_PORT=8799,
 * BENCH_ONLY=substrings of scenario names (comma-separated), BENCH_SEARCH_PRODUCTS=size of the search catalog (100000),
 * BENCH_PLATFORM_LOG=file to keep the platform's output. It also times one scrypt password hash in Node; the
 * login scenario shows the same hash inside workerd (its p50 at 1 connection is one hash plus
 * a D1 round trip or two).
 * Then order creation (bench/orders.ts, set up through the public APIs) at 64 connections, without
 * and with a voucher (same SKU, same connections; the voucher's cost is printed beside), and
 * one hot SKU reserved through its Durable Object against the seed's D1 UPDATEs, oversell counted
 * (bench/reservations.ts; BENCH_RESERVE_UNITS fixes the units, BENCH_BURST=1000 in-router reservations).
 * Then the whole checkout, cart line → quote → order, as orders/s with 8 and 32 buyers
 * (bench/checkout-flow.ts; BENCH_FLOW_BUYERS; BENCH_ONLY=flow runs only that).
 * Then pay → PAID through the sandbox provider (bench/payments.ts): BENCH_PAY_BUYERS (16) shoppers
 * each ordering, paying and pressing Pay in a loop for the duration; BENCH_ONLY=pay runs only that
 * (and the ceiling).
 * Then the product detail's p99 alone and while 4 logins run (bench/login-contention.ts;
 * BENCH_ONLY=logins). The demo seed is loaded before the search catalog (CATALOG_SIZE, 2000).
 * Before each scenario it waits until the platform has drained the last one's backlog (bench/lib/drain.ts).
 * At the end a table of every route (req/s, p50/p99, ratio to the ceiling).
 * Last, search freshness (bench/freshness.ts): on-shelf → searchable while BENCH_STOCK_VIEWS
 * (10,000) stock views flow (BENCH_STOCK_FLOOD=direct sends them instead of SKU objects
 * publishing them); BENCH_ONLY=freshness runs only that (and the ceiling).
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { applyLocalMigrations, executeLocalSql, loadDemoSeed, spreadLocalOrderSlots } from "../scripts/local.ts";
import { CHECKOUT_FLOW, describeCheckoutFlow, type FlowRun, measureCheckoutFlow } from "./checkout-flow.ts";
import { describeFreshness, type FreshnessResults, measureFreshness } from "./freshness.ts";
import { drained } from "./lib/drain.ts";
import { measure, type Scenario } from "./lib/load.ts";
import { startPlatform } from "./lib/platform.ts";
import { type RatedMeasurement, summaryTable } from "./lib/summary.ts";
import {
  describeLoginContention,
  LOGIN_CONTENTION,
  type LoginContention,
  measureLoginContention,
} from "./login-contention.ts";
import {
  describeVoucherCost,
  ORDER_FLOOR_PLACEHOLDER,
  ORDER_PLACEHOLDER,
  orderScenarios,
  VOUCHER_ORDER_PLACEHOLDER,
} from "./orders.ts";
import { measurePasswordHash } from "./password-hash.ts";
import { describePayments, measurePayments, PAYMENTS, type PaymentResults } from "./payments.ts";
import { measureReservations, type ReservationResults } from "./reservations.ts";
import { CEILING, DETAIL, DETAIL_PATH, LOGIN, scenarios } from "./scenarios.ts";
import { writeSearchCatalog } from "./search-catalog.ts";

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connectionCounts = (process.env.BENCH_CONNECTIONS ?? "16,64").split(",").map(Number);
const port = Number(process.env.BENCH_PORT ?? 8799);
// BENCH_ONLY=a,b: the scenarios whose names contain any of the parts (and the ceiling).
const only = process.env.BENCH_ONLY?.split(",").filter(Boolean);
const wanted = (name: string) => name === CEILING || !only?.length || only.some((part) => name.includes(part));

// The demo seed first: the search catalog's products name its shops, categories and brands
// (foreign keys), so on a fresh clone loading them before it failed. The platform then starts
// without seeding again. The orders go to both local shards, as under `npm run dev`.
applyLocalMigrations("ignore");
spreadLocalOrderSlots();
loadDemoSeed(process.env.CATALOG_SIZE ?? "2000");
// Search is measured over a large catalog (default 100,000 products), loaded before the platform starts.
const searchProducts = Number(process.env.BENCH_SEARCH_PRODUCTS ?? 100_000);
if (searchProducts > 0) {
  const started = Date.now();
  await writeSearchCatalog(searchProducts, ".wrangler/bench-search.sql");
  executeLocalSql(".wrangler/bench-search.sql");
  console.log(`search catalog: ${searchProducts} products ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

const platform = await startPlatform(port, { SKIP_SEED: "1" });
// What the last measurement left running is not the next one's latency.
const drain = async () => {
  const waited = await drained(platform.origin, DETAIL_PATH);
  if (waited >= 1) console.log(`          (waited ${waited} s for the platform to drain)`);
};
const results: RatedMeasurement[] = [];
let loginContention: LoginContention | undefined;
let reservations: ReservationResults = { ceilings: [], runs: [], bursts: [] };
let payments: PaymentResults | undefined;
let freshness: FreshnessResults | undefined;
let checkoutFlow: FlowRun[] | undefined;
try {
  const every = await scenarios();
  const placeholders = [ORDER_PLACEHOLDER, VOUCHER_ORDER_PLACEHOLDER, ORDER_FLOOR_PLACEHOLDER];
  const all = [...every, ...placeholders].filter((s) => wanted(s.name));
  // Order creation is set up when first measured (it comes last): putting its product on shelf
  // changes what searches show, which drops their cache, so it must not happen before them.
  let orders: ReturnType<typeof orderScenarios> | undefined;
  const ready = async (s: Scenario): Promise<Scenario> => {
    if (!placeholders.includes(s)) return s;
    orders ??= orderScenarios(platform.origin);
    const { plain, withVoucher, floor } = await orders;
    return s === ORDER_PLACEHOLDER ? plain : s === VOUCHER_ORDER_PLACEHOLDER ? withVoucher : floor;
  };
  const counts = [...new Set([...connectionCounts, ...all.flatMap((s) => s.connections ?? [])])].sort((a, b) => a - b);
  for (const connections of counts) {
    let ceiling = Number.NaN;
    for (const entry of all) {
      const wanted = entry.name === CEILING || (entry.connections ?? connectionCounts).includes(connections);
      if (!wanted) continue;
      const scenario = await ready(entry);
      await drain();
      // A short warm-up so the first measurement does not pay for isolate start-up.
      await measure(platform.origin, scenario, connections, 1);
      const m = await measure(platform.origin, scenario, connections, duration);
      if (scenario.name === CEILING) ceiling = m.requestsPerSecond;
      const ratioToCeiling = Math.round((m.requestsPerSecond / ceiling) * 1000) / 1000;
      results.push({ ...m, ratioToCeiling });
      console.log(
        `${String(connections).padStart(3)} conn  ${scenario.name.padEnd(50)} ${String(m.requestsPerSecond).padStart(9)} req/s  ` +
          `p50 ${m.latencyMs.p50} ms  p95 ${m.latencyMs.p95} ms  p99 ${m.latencyMs.p99} ms  ` +
          `x${ratioToCeiling} of ceiling  errors ${m.errors + m.unexpectedStatus}`,
      );
    }
  }
  // Beside the routes, at 16 connections: a login's hash must not stall the catalog reads.
  await drain();
  if (wanted(LOGIN_CONTENTION)) {
    const named = (name: string) => {
      const found = every.find((s) => s.name === name);
      if (!found) throw new Error(`bench/scenarios.ts has no scenario "${name}"`);
      return found;
    };
    loginContention = await measureLoginContention(platform.origin, named(DETAIL), named(LOGIN), {
      connections: 16,
      logins: 4,
      durationSeconds: duration,
    });
    console.log(describeLoginContention(loginContention));
  }
  await drain();
  reservations = await measureReservations(platform.origin, {
    connections: connectionCounts,
    durationSeconds: duration,
    ...(process.env.BENCH_RESERVE_UNITS ? { units: Number(process.env.BENCH_RESERVE_UNITS) } : {}),
    burst: { n: Number(process.env.BENCH_BURST ?? 1000), concurrency: 64 },
    only: wanted,
  });
  // After the routes (its product going on shelf drops cached searches), before the churn.
  await drain();
  if (wanted(CHECKOUT_FLOW)) {
    checkoutFlow = await measureCheckoutFlow(platform.origin, {
      buyers: (process.env.BENCH_FLOW_BUYERS ?? "8,32").split(",").map(Number),
      durationSeconds: duration,
    });
    console.log(`\n${describeCheckoutFlow(checkoutFlow)}`);
  }
  await drain();
  if (wanted(PAYMENTS)) {
    payments = await measurePayments(platform.origin, {
      buyers: Number(process.env.BENCH_PAY_BUYERS ?? 16),
      durationSeconds: duration,
    });
    console.log(describePayments(payments));
  }
  // Last: it lists products and churns every SKU's stock, which would disturb the lines above.
  await drain();
  if (wanted("freshness")) {
    freshness = await measureFreshness(platform.origin, {
      views: Number(process.env.BENCH_STOCK_VIEWS ?? 10_000),
      flood: process.env.BENCH_STOCK_FLOOD === "direct" ? "direct" : "objects",
    });
    console.log(describeFreshness(freshness));
  }
} finally {
  await platform.stop();
}

console.log(`\nevery route (ratios to "${CEILING}" of this run):\n${summaryTable(results)}`);
const voucherCost = describeVoucherCost(results);
if (voucherCost.length > 0) console.log(`\n${voucherCost.join("\n")}`);

const passwordHash = await measurePasswordHash();
console.log(
  `\nscrypt ${passwordHash.params} in Node (same parameters as the Workers): ` +
    `p50 ${passwordHash.p50Ms} ms, p95 ${passwordHash.p95Ms} ms over ${passwordHash.samples} hashes`,
);

const report = {
  startedAt: new Date().toISOString(),
  passwordHash,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  durationSeconds: duration,
  results,
  orderVoucherCost: voucherCost,
  loginContention,
  reservations,
  payments,
  checkoutFlow,
  freshness,
};
mkdirSync("bench/results", { recursive: true });
const file = `bench/results/${report.startedAt.replaceAll(":", "-")}.json`;
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nresults written to ${file}`);
