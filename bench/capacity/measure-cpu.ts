/**
 * CPU per order and database growth per order on the whole local platform, for the capacity
 * model (bench/capacity/unit-costs.ts). Starts `npm run dev` (bench/lib/platform.ts), sets up the
 * order bench's hot product (bench/orders.ts), then reads the CPU time of every workerd process
 * started from this directory (/proc/<pid>/stat, utime + stime) around: 1,000 hello-world requests
 * (the router's floor), 1,000 product details (the browse path, edge-cached) and BENCH_CPU_ORDERS (500) orders of one unit, 8 in flight, after which it
 * waits for the queue consumers to go quiet. The idle rate measured first is subtracted. The local
 * D1 files' growth per order is read from disk (SQLite file + WAL).
 * Run it with X_LOCAL_OBSERVABILITY=false (wrangler dev's tail worker otherwise costs ~30 % more CPU).
 * Never in the shared working tree: in a clone (wrangler dev there restarts on every edit).
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { applyLocalMigrations, loadDemoSeed, PERSIST_DIR, spreadLocalOrderSlots } from "../../scripts/local.ts";
import { startPlatform } from "../lib/platform.ts";
import { ORDER_SCENARIO, orderScenarios } from "../orders.ts";
import { DETAIL, scenarios } from "../scenarios.ts";

const ORDERS = Number(process.env.BENCH_CPU_ORDERS ?? 500);
const HELLOS = 1000;
const IN_FLIGHT = 8;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU milliseconds used so far by every workerd process whose working directory is ours. */
function workerdCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) !== process.cwd()) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (!stat.includes("(workerd)")) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone, or not ours.
    }
  }
  return (ticks / TICKS_PER_SECOND) * 1000;
}

/** Bytes of the local D1 databases (SQLite files and their WALs). */
function d1Bytes(): number {
  const dir = join(PERSIST_DIR, "v3", "d1");
  let total = 0;
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.sqlite(-wal)?$/.test(entry.name)) total += statSync(full).size;
    }
  };
  walk(dir);
  return total;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `count` calls of `one`, `IN_FLIGHT` at a time. */
async function drive(count: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await one(next++);
    }),
  );
}

/** CPU over `ms` of idling, per millisecond. */
async function idleRate(ms: number): Promise<number> {
  const before = workerdCpuMs();
  await sleep(ms);
  return (workerdCpuMs() - before) / ms;
}

/** CPU of `work` (idle subtracted), after waiting until the platform goes quiet again. */
async function cpuOf(work: () => Promise<void>, idlePerMs: number): Promise<number> {
  const started = Date.now();
  const before = workerdCpuMs();
  await work();
  // Queue consumers (order.created) run after the answers; wait until a second passes near idle.
  for (let i = 0; i < 30; i++) {
    const mark = workerdCpuMs();
    await sleep(1000);
    if (workerdCpuMs() - mark <= idlePerMs * 1000 + 20) break;
  }
  return workerdCpuMs() - before - idlePerMs * (Date.now() - started);
}

// The demo seed before the platform starts, as bench/run.ts does (its shops and shoppers place the orders).
applyLocalMigrations("ignore");
spreadLocalOrderSlots();
loadDemoSeed(process.env.CATALOG_SIZE ?? "200");
const platform = await startPlatform(Number(process.env.BENCH_PORT ?? 8797), { SKIP_SEED: "1" });
try {
  const { plain } = await orderScenarios(platform.origin);
  if (plain.name !== ORDER_SCENARIO) throw new Error("unexpected scenario");
  const order = async () => {
    const res = await fetch(`${platform.origin}${plain.path}`, {
      method: "POST",
      headers: plain.headers,
      body: plain.body,
    });
    await res.text();
    if (res.status !== 201) throw new Error(`order answered ${res.status}`);
  };
  // Warm isolates and objects first.
  await drive(20, order);
  await sleep(3000);
  const idle = await idleRate(5000);
  const hello = await cpuOf(
    () =>
      drive(HELLOS, async () => {
        await (await fetch(`${platform.origin}/__hello`)).text();
      }),
    idle,
  );
  const detail = (await scenarios()).find((s) => s.name === DETAIL);
  if (!detail) throw new Error("bench/scenarios.ts has no product detail");
  const browse = await cpuOf(
    () =>
      drive(HELLOS, async () => {
        await (await fetch(`${platform.origin}${detail.path}`)).text();
      }),
    idle,
  );
  const bytesBefore = d1Bytes();
  const orders = await cpuOf(() => drive(ORDERS, order), idle);
  const bytesAfter = d1Bytes();
  const report = {
    orders: ORDERS,
    idleCpuMsPerSecond: Math.round(idle * 1000),
    helloCpuMsPerRequest: Math.round((hello / HELLOS) * 1000) / 1000,
    productDetailCpuMsPerRequest: Math.round((browse / HELLOS) * 1000) / 1000,
    cpuMsPerOrder: Math.round((orders / ORDERS) * 100) / 100,
    d1BytesPerOrder: Math.round((bytesAfter - bytesBefore) / ORDERS),
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await platform.stop();
}
