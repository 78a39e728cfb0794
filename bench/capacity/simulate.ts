/**
 * `npm run simulate -- --orders-per-second 583000`: a discrete-event simulation of a peak against
 * the capacity model's plan (bench/capacity/model.ts), no cloud involved. Orders arrive as a
 * Poisson stream; each runs the order path's steps in the measured order (test/orders/round-trips
 * .test.ts): Worker CPU, one D1 batch at its shard (checkout facts, promotions, saga row), the rate
 * limits, the SKU hold, the order numbers, the orders batch; the answer; then two queue sends and
 * the outbox delete. Every D1 shard,
 * hot-SKU bucket, order-number machine and queue is a single FIFO server with the measured mean
 * service time (exponential for D1 and objects; a queue serves messages at its 5,000/s limit).
 * Cold SKUs, rate limiters and the Workers are delays (their load per unit is tiny, or they scale
 * out). Prints p50/p99 order latency, utilization per resource and the first saturated resource,
 * and writes an HTML report with inline SVG charts to bench/results/.
 *
 * Options (beside the peak's, see plan.ts): --duration 5 (simulated seconds), --seed 1,
 * --sizing plan|bare (bare: the plan minus its headroom, each pool at load ÷ capacity, ρ → 1),
 * --max-simulated 20000 (orders/s actually simulated: above it a sample of whole shards and a
 * matching share of every other pool is simulated, so each unit sees its full-peak load).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { readPeak } from "./args.ts";
import { PLATFORM_LIMITS } from "./limits.ts";
import { type Peak, type Plan, planFor } from "./model.ts";
import { Calendar, exponential, quantile, Server, seededRandom } from "./sim-core.ts";
import { UNIT_COSTS } from "./unit-costs.ts";

const WINDOW_MS = 100;
/** A job that waits longer than this at one server marks the server saturated. */
const SATURATED_WAIT_MS = 1000;

interface Sizing {
  shards: number;
  machines: number;
  queues: number;
  hotBuckets: number;
}

function sizingOf(plan: Plan, mode: string): Sizing {
  const byName = (prefix: string) => {
    const r = plan.resources.find((x) => x.name.startsWith(prefix));
    if (!r) throw new Error(`no ${prefix} in the plan`);
    return r;
  };
  const machines = byName("order-number");
  const queues = byName("order-events");
  const hot = byName("hottest SKU");
  if (mode === "plan") {
    return {
      shards: plan.orderShards.shards,
      machines: Math.min(machines.n + machines.x, machines.max),
      queues: Math.min(queues.n + queues.x, queues.max),
      hotBuckets: Math.min(hot.n + hot.x, hot.max),
    };
  }
  if (mode !== "bare") throw new Error("--sizing is plan or bare");
  // Minus headroom: just enough servers at 100 % (no X, no utilization margin).
  const bare = (r: { load: number; perServer: number; max: number }) =>
    Math.min(r.max, Math.max(1, Math.ceil(r.load / r.perServer)));
  const perSlot = plan.peak.ordersPerSecond / PLATFORM_LIMITS.orderNumberSlots.value;
  const slotsPerShard = Math.max(1, Math.floor(1000 / plan.d1.msPerOrder / perSlot));
  return {
    shards: Math.min(1000, Math.ceil(1000 / slotsPerShard)),
    machines: bare(machines),
    queues: bare(queues),
    hotBuckets: bare(hot),
  };
}

interface Pool {
  label: string;
  servers: Server[];
}

export interface SimulationResult {
  peak: Peak;
  sizingName: string;
  durationS: number;
  sizing: Sizing;
  simulated: {
    ordersPerSecond: number;
    shards: number;
    machines: number;
    queues: number;
    hotBuckets: number;
    share: number;
  };
  orders: { arrived: number; completed: number; unfinished: number };
  latencyMs: { p50: number; p99: number; max: number };
  utilization: { label: string; units: number; mean: number; max: number; maxWaitMs: number }[];
  firstSaturated: { label: string; server: string; atMs: number; why: string } | null;
  windows: { atMs: number; p50: number; p99: number; utilization: Record<string, number> }[];
}

export function simulate(
  peak: Peak,
  options: { durationS: number; seed: number; sizing: string; maxSimulated: number },
): SimulationResult {
  const plan = planFor(peak);
  const sizing = sizingOf(plan, options.sizing);
  const random = seededRandom(options.seed);
  const calendar = new Calendar();
  const C = UNIT_COSTS;
  const λ = peak.ordersPerSecond;

  // Sample whole shards (a shard's load depends only on its own slots), and as large a share of
  // every other pool, so each simulated unit carries what it carries at the full peak.
  const shardsSimulated = Math.max(1, Math.min(sizing.shards, Math.round((sizing.shards * options.maxSimulated) / λ)));
  const slots: number[] = [];
  for (let slot = 0; slot < 1000; slot++) if (slot % sizing.shards < shardsSimulated) slots.push(slot);
  const share = slots.length / 1000;
  const scaled = (n: number) => Math.max(1, Math.round(n * share));
  const machinesSimulated = scaled(sizing.machines);
  const queuesSimulated = scaled(sizing.queues);
  const bucketsSimulated = scaled(sizing.hotBuckets);
  // Each simulated bucket sees the hot SKU's full-peak load per bucket.
  const hotShare = Math.min(1, (peak.hotSkuShare * bucketsSimulated) / (sizing.hotBuckets * share));
  const rate = λ * share;

  const pool = (label: string, n: number): Pool => ({
    label,
    servers: Array.from({ length: n }, (_, i) => new Server(`${label} ${i}`, calendar, WINDOW_MS)),
  });
  const shards = pool("order shards (D1)", shardsSimulated);
  const buckets = pool("hottest SKU buckets", bucketsSimulated);
  const machines = pool("order-number machines", machinesSimulated);
  const queues = pool("order-events queues", queuesSimulated);
  const pools = [shards, buckets, machines, queues];
  const firstLongWait = new Map<Server, number>();
  const waited = (server: Server, wait: number) => {
    if (wait > SATURATED_WAIT_MS && !firstLongWait.has(server)) firstLongWait.set(server, calendar.now);
  };
  const maxWait = new Map<string, number>();

  const trips = plan.d1.trips.map((t) => t.serviceMs);
  // Objects serve at the plan's per-unit capacity (measured cost or Cloudflare's guidance,
  // whichever is lower), so the simulation tests the plan's own assumptions under Poisson load.
  const perServer = (prefix: string) => plan.resources.find((r) => r.name.startsWith(prefix))?.perServer ?? 1000;
  const bucketMs = 1000 / perServer("hottest SKU");
  const machineMs = 1000 / perServer("order-number");
  const hop = peak.networkMsPerHop;
  const durationMs = options.durationS * 1000;
  const warmupMs = durationMs * 0.1;
  const latencies: number[] = [];
  const byWindow: number[][] = [];
  const inFlight = new Map<number, number>();
  let arrived = 0;
  let completed = 0;
  let nextId = 0;

  type Step = (next: () => void, order: { slot: number; hot: boolean }) => void;
  const delay =
    (ms: number): Step =>
    (next) =>
      calendar.after(ms, next);
  const at =
    (p: Pool, pick: (o: { slot: number; hot: boolean }) => number, service: () => number): Step =>
    (next, order) => {
      calendar.after(hop, () => {
        const server = p.servers[pick(order) % p.servers.length] as Server;
        server.serve(service(), (wait) => {
          waited(server, wait);
          if (wait > (maxWait.get(p.label) ?? 0)) maxWait.set(p.label, wait);
          next();
        });
      });
    };
  const shardOf = (o: { slot: number }) => Math.floor((o.slot % sizing.shards) % shardsSimulated);
  const d1 = (i: number): Step => at(shards, shardOf, () => exponential(random, trips[i] ?? 0));
  // The order path of test/orders/round-trips.test.ts: one batch (checkout facts, promotions, the
  // saga row), the two rate limits together, the hold, the numbers, the orders batch; answered;
  // then the two queue sends and the outbox rows' delete, which still load their servers.
  if (trips.length !== 3) {
    throw new Error(
      "the simulated order path has 3 D1 round trips: bring it in step with bench/capacity/unit-costs.ts",
    );
  }
  const steps: (Step | "answer")[] = [
    delay(C.workers.cpuMsPerOrder.value),
    d1(0),
    delay(hop + C.objects.rpcFloorMs.value),
    (next, order) =>
      order.hot
        ? at(
            buckets,
            () => Math.floor(random() * bucketsSimulated),
            () => exponential(random, bucketMs),
          )(next, order)
        : delay(hop + C.objects.skuMsPerReservation.value)(next, order),
    at(
      machines,
      () => Math.floor(random() * machinesSimulated),
      () => exponential(random, machineMs),
    ),
    d1(1),
    "answer",
    at(
      queues,
      (o) => o.slot,
      () => 1000 / PLATFORM_LIMITS.queueMessagesPerSecond.value,
    ),
    at(
      queues,
      (o) => o.slot,
      () => 1000 / PLATFORM_LIMITS.queueMessagesPerSecond.value,
    ),
    d1(2),
  ];

  const start = (id: number) => {
    const order = { slot: slots[Math.floor(random() * slots.length)] ?? 0, hot: random() < hotShare };
    const began = calendar.now;
    inFlight.set(id, began);
    let i = 0;
    const next = () => {
      const step = steps[i++];
      if (step === undefined) return;
      if (step !== "answer") {
        step(next, order);
        return;
      }
      // Latency is until the answer; the work after it only loads the servers.
      inFlight.delete(id);
      completed++;
      const latency = calendar.now - began;
      if (began >= warmupMs) latencies.push(latency);
      const w = Math.floor(calendar.now / WINDOW_MS);
      const bucket = byWindow[w] ?? [];
      bucket.push(latency);
      byWindow[w] = bucket;
      next();
    };
    next();
  };
  // Poisson arrivals, generated as the calendar reaches them.
  const arrive = () => {
    if (calendar.now >= durationMs) return;
    arrived++;
    start(nextId++);
    calendar.after(exponential(random, 1000 / rate), arrive);
  };
  calendar.at(exponential(random, 1000 / rate), arrive);
  calendar.run(durationMs);

  // Orders still waiting at the end count with their age so far (a lower bound on their latency).
  const unfinishedAges = [...inFlight.values()].filter((t) => t >= warmupMs).map((t) => durationMs - t);
  const all = latencies.concat(unfinishedAges);
  const windows = Math.ceil(durationMs / WINDOW_MS);
  const steady = (s: Server) => {
    const from = Math.floor(warmupMs / WINDOW_MS);
    let busy = 0;
    for (let w = from; w < windows; w++) busy += s.busyByWindow[w] ?? 0;
    return busy / ((windows - from) * WINDOW_MS);
  };
  const utilizations = pools.map((p) => ({ p, u: p.servers.map(steady) }));
  // Saturated: a wait over SATURATED_WAIT_MS (earliest first), else the busiest unit at ≥ 95 %.
  const longWait = [...firstLongWait.entries()].sort((a, b) => a[1] - b[1])[0];
  const busiest = utilizations
    .map(({ p, u }) => ({ p, i: u.indexOf(Math.max(...u)), u: Math.max(...u) }))
    .filter((b) => b.u >= 0.95)
    .sort((a, b) => b.u - a.u)[0];
  const firstSaturated = longWait
    ? {
        label: pools.find((p) => p.servers.includes(longWait[0]))?.label ?? "?",
        server: longWait[0].name,
        atMs: longWait[1],
        why: `a wait over ${SATURATED_WAIT_MS} ms`,
      }
    : busiest
      ? {
          label: busiest.p.label,
          server: busiest.p.servers[busiest.i]?.name ?? "?",
          atMs: warmupMs,
          why: `${Math.round(busiest.u * 100)} % busy after the warm-up`,
        }
      : null;
  return {
    peak,
    sizingName: options.sizing,
    durationS: options.durationS,
    sizing,
    simulated: {
      ordersPerSecond: rate,
      shards: shardsSimulated,
      machines: machinesSimulated,
      queues: queuesSimulated,
      hotBuckets: bucketsSimulated,
      share,
    },
    orders: { arrived, completed, unfinished: inFlight.size },
    latencyMs: { p50: quantile(all, 0.5), p99: quantile(all, 0.99), max: quantile(all, 1) },
    utilization: utilizations.map(({ p, u }) => {
      return {
        label: p.label,
        units: p.servers.length,
        mean: u.reduce((a, b) => a + b, 0) / u.length,
        max: Math.max(...u),
        maxWaitMs: maxWait.get(p.label) ?? 0,
      };
    }),
    firstSaturated,
    windows: Array.from({ length: windows }, (_, w) => {
      const ls = byWindow[w] ?? [];
      return {
        atMs: w * WINDOW_MS,
        p50: quantile(ls, 0.5),
        p99: quantile(ls, 0.99),
        utilization: Object.fromEntries(
          pools.map((p) => [p.label, Math.max(...p.servers.map((s) => (s.busyByWindow[w] ?? 0) / WINDOW_MS))]),
        ),
      };
    }),
  };
}

const int = (x: number) => Math.round(x).toLocaleString("en");
const pct = (x: number) => `${Math.round(x * 100)} %`;

export function describeSimulation(r: SimulationResult): string {
  const s = r.simulated;
  return [
    `simulated ${int(r.peak.ordersPerSecond)} orders/s for ${r.durationS} s against ${r.sizingName === "plan" ? "the plan (N+X)" : "the plan minus headroom (load ÷ capacity)"}: ${int(r.sizing.shards)} shards, ` +
      `${int(r.sizing.machines)} order-number machines, ${int(r.sizing.queues)} queues, ${int(r.sizing.hotBuckets)} hot-SKU buckets` +
      (s.share < 1
        ? ` (sampled: ${int(s.shards)} shards = ${pct(s.share)} of slots, ${int(s.ordersPerSecond)} orders/s, ${s.machines} machines, ${s.queues} queues, ${s.hotBuckets} buckets)`
        : ""),
    `orders: ${int(r.orders.arrived)} arrived, ${int(r.orders.completed)} answered, ${int(r.orders.unfinished)} still waiting at the end`,
    `order latency: p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms, max ${r.latencyMs.max.toFixed(0)} ms (after a 10 % warm-up; waiting orders counted by their age)`,
    ...r.utilization.map(
      (u) =>
        `  ${u.label.padEnd(24)} ${String(u.units).padStart(5)} units  utilization mean ${pct(u.mean).padStart(5)}  busiest ${pct(u.max).padStart(5)}  longest wait ${u.maxWaitMs.toFixed(1)} ms`,
    ),
    r.firstSaturated
      ? `first saturated: ${r.firstSaturated.label} (${r.firstSaturated.server}: ${r.firstSaturated.why}, t=${(r.firstSaturated.atMs / 1000).toFixed(2)} s)`
      : `first saturated: none (no wait over ${SATURATED_WAIT_MS} ms, no unit at 95 % busy)`,
  ].join("\n");
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

/** An inline SVG line chart: series of [x, y], y clamped to yMax. */
function chart(
  title: string,
  yLabel: string,
  series: { name: string; points: [number, number][] }[],
  yMax: number,
): string {
  const W = 760;
  const H = 260;
  const L = 60;
  const B = 30;
  const xMax = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[0])));
  const x = (v: number) => L + ((W - L - 10) * v) / xMax;
  const y = (v: number) => H - B - ((H - B - 20) * Math.min(v, yMax)) / yMax;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const esc = (t: string) => t.replaceAll("&", "&amp;").replaceAll("<", "&lt;");
  return `<figure><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${esc(title)}" width="${W}" height="${H + 20 * series.length}" viewBox="0 0 ${W} ${H + 20 * series.length}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">
${ticks.map((t) => `<line x1="${L}" x2="${W - 10}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${L - 6}" y="${y(t) + 4}" text-anchor="end">${yMax >= 10 ? Math.round(t) : t.toFixed(2)}</text>`).join("\n")}
<text x="12" y="${H / 2}" transform="rotate(-90 12 ${H / 2})" text-anchor="middle">${esc(yLabel)}</text>
<text x="${(W + L) / 2}" y="${H - 4}" text-anchor="middle">simulated time (s)</text>
${[0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${x(f * xMax)}" y="${H - B + 14}" text-anchor="middle">${((f * xMax) / 1000).toFixed(1)}</text>`).join("\n")}
${series
  .map(
    (s, i) =>
      `<polyline fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.5" points="${s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ")}"/>` +
      `<rect x="${L}" y="${H + 6 + 20 * i}" width="12" height="3" fill="${COLOURS[i % COLOURS.length]}"/><text x="${L + 18}" y="${H + 11 + 20 * i}">${esc(s.name)}</text>`,
  )
  .join("\n")}
</svg></figure>`;
}

export function htmlReport(r: SimulationResult, summary: string): string {
  const latencyMax = Math.max(1, ...r.windows.map((w) => w.p99));
  const labels = r.utilization.map((u) => u.label);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Peak simulation: ${int(r.peak.ordersPerSecond)} orders/s</title>
<style>body{font-family:sans-serif;max-width:800px;margin:2em auto;color:#222}pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}figcaption{font-weight:bold;margin:1em 0 .3em}</style></head><body>
<h1>Peak simulation: ${int(r.peak.ordersPerSecond)} orders/s</h1>
<pre>${summary.replaceAll("&", "&amp;").replaceAll("<", "&lt;")}</pre>
${chart(
  "Order latency per 100 ms window (orders completed in it)",
  "ms",
  [
    { name: "p50", points: r.windows.map((w) => [w.atMs, w.p50]) },
    { name: "p99", points: r.windows.map((w) => [w.atMs, w.p99]) },
  ],
  latencyMax,
)}
${chart(
  "Busiest unit's utilization per 100 ms window, per resource (1 = saturated)",
  "utilization",
  labels.map((label) => ({ name: label, points: r.windows.map((w) => [w.atMs, w.utilization[label] ?? 0]) })),
  1.2,
)}
<p>Model and method: docs/capacity.md. Command: <code>npm run simulate -- --orders-per-second ${r.peak.ordersPerSecond} --sizing ${r.sizingName}</code>.</p>
</body></html>
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { peak, options } = readPeak(process.argv.slice(2), {
    duration: "5",
    seed: "1",
    sizing: "plan",
    "max-simulated": "20000",
  });
  const result = simulate(peak, {
    durationS: Number(options.duration),
    seed: Number(options.seed),
    sizing: options.sizing,
    maxSimulated: Number(options["max-simulated"]),
  });
  const summary = describeSimulation(result);
  console.log(summary);
  mkdirSync("bench/results", { recursive: true });
  const file = `bench/results/simulate-${peak.ordersPerSecond}-${options.sizing}-${new Date().toISOString().replaceAll(":", "-")}.html`;
  writeFileSync(file, htmlReport(result, summary));
  console.log(`report written to ${file}`);
}
