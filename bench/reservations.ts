/**
 * One hot SKU, three ways to take a unit off it, in the same run (the dev router's `/__bench`
 * endpoints, workers/dev-router/bench.ts):
 *
 * - `object`: `reserve` of 1 unit in the SKU's Durable Object (what checkout does);
 * - `d1-guarded`: the seed design, `UPDATE stock SET stock = stock - 1 WHERE id = ? AND stock >= 1`;
 * - `d1-naive`: `SELECT stock`, then `UPDATE ... SET stock = ?` when it was > 0 (read-then-write).
 *
 * Each measurement resets a fresh SKU to `units` and drives one request = one reservation attempt
 * (200 held, 409 refused). Afterwards it reads what the approach ended with and what the router
 * granted (its own count, which includes requests still in flight when the load generator stopped
 * counting), and derives: lost = held − (initial − final), holds the stock does not reflect (units
 * promised twice); OVERSOLD = max(0, held − initial) + max(0, −final).
 *
 * The SKUs are real: one DRAFT product of seller1 per run (never on shelf) with a SKU per
 * measurement, because every SKU object publishes its stock to the D1 projection, whose rows must
 * name a SKU that exists (an invented id would fail in the events Worker and end as dead letters).
 *
 * Then a burst per approach from inside the router (no HTTP, no proxy, no load generator in
 * between): `n` reservations with `concurrency` in flight; wall time / n is the approach's time
 * per reservation when it alone is the bottleneck.
 */
import { createProduct } from "./lib/api.ts";
import { type Measurement, measure } from "./lib/load.ts";
import { CEILING } from "./scenarios.ts";

export const RESERVATIONS = "reserve hot SKU";

const APPROACHES = [
  { key: "object", name: `${RESERVATIONS}: Durable Object reserve` },
  { key: "d1-guarded", name: `${RESERVATIONS}: D1 guarded UPDATE (seed)` },
  { key: "d1-naive", name: `${RESERVATIONS}: D1 naive SELECT+UPDATE` },
] as const;
type Approach = (typeof APPROACHES)[number]["key"];

interface RpcSummary {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

interface StockAnswer {
  d1: number | null;
  object: { available: number; reserved: number; sold: number };
  served: { held: number; refused: number };
  objectRpc: RpcSummary;
}

export interface ReservationRun extends Measurement {
  approach: Approach;
  skuId: string;
  initialUnits: number;
  /** As counted by the router (server side). */
  held: number;
  refused: number;
  /** Answered by the router after the load generator stopped counting. */
  inFlightAtEnd: number;
  /** Held units per second while stock lasted (the whole duration if it never ran out). */
  heldPerSecond: number;
  finalStock: number;
  lost: number;
  oversold: number;
  ratioToCeiling: number;
  /** Object only: the `reserve` RPC's wall time as the router saw it (includes queueing). */
  objectRpcMs?: RpcSummary;
}

export interface ReservationBurst {
  approach: Approach;
  skuId: string;
  n: number;
  concurrency: number;
  initialUnits: number;
  held: number;
  refused: number;
  wallMs: number;
  msPerReservation: number;
  reservationsPerSecond: number;
  finalStock: number;
  lost: number;
}

export interface ReservationResults {
  /** The hello-world ceiling, measured again before each connection count's lines. */
  ceilings: (Measurement & { ratioToCeiling: number })[];
  runs: ReservationRun[];
  bursts: ReservationBurst[];
}

export interface ReservationOptions {
  connections: number[];
  durationSeconds: number;
  /** Units each measured SKU starts with; by default sized from the warm-up (see unitsFor). */
  units?: number;
  burst: { n: number; concurrency: number };
  /** Which approaches to run, by name (BENCH_ONLY); all by default. */
  only?: (name: string) => boolean;
}

const HELLO = { name: CEILING, path: "/__hello" };

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

async function request<T>(origin: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${origin}/__bench/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`/__bench/${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

const reset = (origin: string, sku: string, units: number) => request(origin, "POST", "stock/reset", { sku, units });
const stockOf = (origin: string, sku: string) =>
  request<StockAnswer>(origin, "GET", `stock?sku=${encodeURIComponent(sku)}`);
const finalOf = (approach: Approach, s: StockAnswer) => (approach === "object" ? s.object.available : (s.d1 ?? 0));

/** Fresh SKUs for one run: one DRAFT product with as many SKUs as the run measures. */
const COLOURS = ["黑色", "白色", "灰色", "藏青色", "红色", "蓝色", "绿色"];
const SIZES = ["XS", "S", "M", "L", "XL", "XXL"];

async function freshSkus(origin: string, count: number): Promise<() => string> {
  if (count > COLOURS.length * SIZES.length) throw new Error(`a bench product holds at most 42 SKUs, not ${count}`);
  const skus = Array.from({ length: count }, (_, i) => {
    const colour = COLOURS[i % COLOURS.length] ?? "黑色";
    const size = SIZES[Math.floor(i / COLOURS.length)] ?? "L";
    return { skuName: `${colour} ${size}`, stock: 0, colour, size };
  });
  const { skuIds } = await createProduct(origin, `压测 hot SKU ${new Date().toISOString()}`, skus);
  return () => {
    const next = skuIds.shift();
    if (!next) throw new Error("the bench ran out of fresh SKUs");
    return next;
  };
}

function printRun(r: ReservationRun): void {
  const flag = r.oversold > 0 ? `OVERSOLD ${r.oversold}` : "oversold 0";
  console.log(
    `${String(r.connections).padStart(3)} conn  ${r.scenario.padEnd(50)} ${String(r.requestsPerSecond).padStart(9)} req/s  ` +
      `held ${r.heldPerSecond}/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  x${r.ratioToCeiling} of ceiling  ` +
      `units ${r.initialUnits}  held ${r.held}  refused ${r.refused}  final stock ${r.finalStock}  lost ${r.lost}  ${flag}  errors ${r.errors + r.unexpectedStatus}` +
      (r.inFlightAtEnd ? `  (${r.inFlightAtEnd} answered after the clock)` : "") +
      (r.objectRpcMs ? `  rpc mean ${round(r.objectRpcMs.meanMs ?? Number.NaN)} ms p50 ${r.objectRpcMs.p50Ms} ms` : ""),
  );
}

const WARM_UNITS = 1_000_000;

/**
 * By default a measured SKU gets half of what the warm-up's rate would take over the duration
 * (between 100 and 5,000 units), so its stock runs out mid-run: the first half measures holds,
 * the second half refusals, and a variant that oversells shows it as held beyond the stock.
 */
function unitsFor(warmUpPerSecond: number, durationSeconds: number): number {
  return Math.min(5000, Math.max(100, Math.round((warmUpPerSecond * durationSeconds) / 2)));
}

async function drive(
  origin: string,
  approach: Approach,
  name: string,
  connections: number,
  o: ReservationOptions,
  sku: string,
  warm: string,
  ceiling: number,
) {
  const scenario = { name, method: "POST" as const, expectStatus: [200, 409] };
  // Warm-up on a SKU of its own (with stock to spare), so the measured SKU starts exactly at `units`.
  await reset(origin, warm, WARM_UNITS);
  const warmUp = await measure(
    origin,
    { ...scenario, path: `/__bench/reserve/${approach}?sku=${warm}` },
    connections,
    1,
  );
  const units = o.units ?? unitsFor(warmUp.requestsPerSecond, o.durationSeconds);
  await reset(origin, sku, units);
  const path = `/__bench/reserve/${approach}?sku=${sku}`;
  const m = await measure(origin, { ...scenario, path }, connections, o.durationSeconds);
  const stock = await stockOf(origin, sku);
  const { held, refused } = stock.served;
  const finalStock = finalOf(approach, stock);
  // Once refusals start, stock has run out: the rate of holds is over the time until the last one.
  const clientHeld = m.statusCounts["200"] ?? 0;
  const holdingSeconds = (m.statusCounts["409"] ?? 0) > 0 ? (m.lastResponseAtSeconds["200"] ?? 0) : m.durationSeconds;
  const run: ReservationRun = {
    ...m,
    approach,
    skuId: sku,
    initialUnits: units,
    held,
    refused,
    inFlightAtEnd: held + refused - m.requests,
    heldPerSecond: clientHeld > 0 && holdingSeconds > 0 ? round(clientHeld / holdingSeconds, 1) : 0,
    finalStock,
    lost: held - (units - finalStock),
    oversold: Math.max(0, held - units) + Math.max(0, -finalStock),
    ratioToCeiling: round(m.requestsPerSecond / ceiling, 3),
    ...(approach === "object" ? { objectRpcMs: stock.objectRpc } : {}),
  };
  printRun(run);
  return run;
}

async function burst(
  origin: string,
  approach: Approach,
  o: ReservationOptions,
  sku: string,
): Promise<ReservationBurst> {
  const { n, concurrency } = o.burst;
  // Exactly enough units, so nothing is refused: this measures the cost of a hold.
  await reset(origin, sku, n);
  const b = await request<{ held: number; refused: number; wallMs: number }>(
    origin,
    "POST",
    `burst/${approach}?sku=${sku}&n=${n}&concurrency=${concurrency}`,
  );
  const finalStock = finalOf(approach, await stockOf(origin, sku));
  return {
    approach,
    skuId: sku,
    n,
    concurrency,
    initialUnits: n,
    held: b.held,
    refused: b.refused,
    wallMs: round(b.wallMs),
    msPerReservation: round(b.wallMs / n, 3),
    reservationsPerSecond: round((n / b.wallMs) * 1000, 0),
    finalStock,
    lost: b.held - (n - finalStock),
  };
}

/** Runs the hot-SKU measurements; prints each line as it goes and a note on reading them. */
export async function measureReservations(origin: string, o: ReservationOptions): Promise<ReservationResults> {
  const approaches = APPROACHES.filter((a) => !o.only || o.only(a.name));
  const runs: ReservationRun[] = [];
  const bursts: ReservationBurst[] = [];
  const ceilings: (Measurement & { ratioToCeiling: number })[] = [];
  if (approaches.length === 0) return { ceilings, runs, bursts };
  // Per approach: one warm-up SKU, one per connection count, one for the burst.
  const nextSku = await freshSkus(origin, approaches.length * (o.connections.length + 2));
  const warmSkus = new Map(approaches.map((a) => [a.key, nextSku()]));
  console.log(
    `\nhot SKU reservations: 1 unit per request for ${o.durationSeconds} s on a fresh SKU per line with ` +
      (o.units
        ? `${o.units} units`
        : "half the units the warm-up rate would take (100 to 5,000, so stock runs out mid-run)") +
      "; 200 = held, 409 = refused; held/refused/lost/OVERSOLD as counted by the router",
  );
  for (const connections of o.connections) {
    // The ceiling again, just before these lines, so their ratios compare like with like.
    await measure(origin, HELLO, connections, 1);
    const hello = await measure(origin, HELLO, connections, o.durationSeconds);
    console.log(
      `${String(connections).padStart(3)} conn  ${HELLO.name.padEnd(50)} ${String(hello.requestsPerSecond).padStart(9)} req/s  ` +
        `p50 ${hello.latencyMs.p50} ms  p99 ${hello.latencyMs.p99} ms  x1 of ceiling`,
    );
    ceilings.push({ ...hello, ratioToCeiling: 1 });
    for (const a of approaches) {
      const warm = warmSkus.get(a.key) ?? nextSku();
      runs.push(await drive(origin, a.key, a.name, connections, o, nextSku(), warm, hello.requestsPerSecond));
    }
  }

  console.log(
    `\nin-router burst: ${o.burst.n} reservations, ${o.burst.concurrency} in flight, issued by the router itself (no HTTP)`,
  );
  for (const a of approaches) {
    const b = await burst(origin, a.key, o, nextSku());
    bursts.push(b);
    console.log(
      `  ${a.name.padEnd(50)} ${String(b.reservationsPerSecond).padStart(7)} /s  ${b.msPerReservation} ms per reservation  ` +
        `held ${b.held}  refused ${b.refused}  final stock ${b.finalStock}  lost ${b.lost}`,
    );
  }

  const objectRuns = runs.filter((r) => r.approach === "object");
  const best = objectRuns.reduce<ReservationRun | undefined>(
    (acc, r) => (!acc || r.heldPerSecond > acc.heldPerSecond ? r : acc),
    undefined,
  );
  const objectBurst = bursts.find((b) => b.approach === "object");
  if (best || objectBurst) {
    console.log(
      "\nthe object's time per reservation (workerd freezes the clock inside synchronous code, so none is CPU time):",
    );
    if (objectBurst) {
      console.log(
        `  ${objectBurst.msPerReservation} ms: in-router burst wall time / reservations; the object serializes its calls, so ` +
          "this bounds from above what one reserve costs it (its transaction, its storage commit, the RPC hop)",
      );
    }
    if (best) {
      console.log(
        `  ${round(1000 / best.heldPerSecond, 3)} ms: 1 / held-per-second over HTTP at ${best.connections} connections ` +
          "(an upper bound: the router, wrangler's proxy and the load generator share the same cores)",
      );
      for (const r of objectRuns) {
        const meanMs = r.objectRpcMs?.meanMs ?? Number.NaN;
        // Little's law: calls at the object on average = their rate × how long each stays.
        const atObject = round((r.requestsPerSecond * meanMs) / 1000, 1);
        console.log(
          `  ${round(meanMs)} ms mean (p50 ${r.objectRpcMs?.p50Ms} ms, p99 ${r.objectRpcMs?.p99Ms} ms): ` +
            `reserve RPC wall time seen by the router at ${r.connections} connections, i.e. ${atObject} calls at the ` +
            "object on average (rate × time); it includes waiting behind those calls, so it is latency, not cost",
        );
      }
    }
  }
  return { ceilings, runs, bursts };
}
