/**
 * Search freshness under stock churn (issue #11): how long a product put on shelf takes to become
 * searchable while `views` stock views flow from SKU objects to the projection.
 *
 * The churn is real: the dev router's `/__bench/churn` moves one unit in and out of each catalog
 * SKU's object, so each object's alarm publishes one more `inventory.stock_changed` that the
 * events Worker projects (D1 rows, SOLD_OUT check, search document). Rounds over all SKUs, more
 * than a second apart (an object publishes at most once a second), until `views` views are sent.
 * Meanwhile, probe after probe: seller1 lists a product named with a fresh token, it is submitted
 * and approved, then the clock starts, `on-shelf` is called, and `GET /v1/products?q=<token>` is
 * polled every 50 ms until the product is listed. A few probes on the quiet platform first give
 * the figure without churn. Then the time until the projection caught up with every churned SKU.
 *
 * `flood: "direct"` (BENCH_STOCK_FLOOD=direct) sends the views instead: `/__bench/stock-views`
 * puts each SKU's projected view (its own revision, so projecting it changes nothing) straight
 * on the queue the objects use, 100 per send. The queue and its consumer carry the same number
 * of views without the objects' writes, which locally share the probes' workerd process.
 */
import { apiCall, createProduct, DEMO_CALLERS, tokenFor } from "./lib/api.ts";

export interface FreshnessResults {
  flood: "objects" | "direct";
  views: {
    target: number;
    sent: number;
    skus: number;
    rounds: number;
    sendSeconds: number;
    drainSeconds: number | null;
  };
  idleMs: number[];
  underChurnMs: number[];
  underChurn: Percentiles;
  idle: Percentiles;
  timedOut: number;
}

interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return { count: sorted.length, p50: at(50) ?? null, p95: at(95) ?? null, p99: at(99) ?? null, max: at(100) ?? null };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SEARCH_TIMEOUT_MS = 60_000;

/** One probe: milliseconds from the on-shelf call to the first search that lists the product, or null. */
async function probe(origin: string, seller: string, operator: string): Promise<number | null> {
  const token = `fresh${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const { productId } = await createProduct(origin, `新鲜度 ${token}`, [
    { skuName: "黑色 M", stock: 100, colour: "黑色", size: "M" },
  ]);
  await apiCall(origin, "POST", `/admin/v1/products/${productId}/submit`, seller, {});
  await apiCall(origin, "POST", `/admin/v1/products/${productId}/approve`, operator, {});
  const started = performance.now();
  await apiCall(origin, "POST", `/admin/v1/products/${productId}/on-shelf`, seller, {});
  while (performance.now() - started < SEARCH_TIMEOUT_MS) {
    const res = await fetch(`${origin}/v1/products?q=${token}&limit=5`);
    if (res.ok) {
      const body = (await res.json()) as { items: { productId: string }[] };
      if (body.items.some((i) => i.productId === productId)) return Math.round(performance.now() - started);
    }
    await sleep(50);
  }
  return null;
}

async function churnPage(origin: string, offset: number, limit: number): Promise<number> {
  const res = await fetch(`${origin}/__bench/churn?offset=${offset}&limit=${limit}`, { method: "POST" });
  if (!res.ok) throw new Error(`bench churn answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { touched: number }).touched;
}

async function sendPage(origin: string, offset: number, limit: number): Promise<number> {
  const res = await fetch(`${origin}/__bench/stock-views?offset=${offset}&limit=${limit}`, { method: "POST" });
  if (!res.ok) throw new Error(`bench stock-views answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { sent: number }).sent;
}

/** Runs the measurement; `views` stock views in all (default 10,000), `idleProbes` before the churn. */
export async function measureFreshness(
  origin: string,
  options: { views?: number; idleProbes?: number; minProbes?: number; flood?: "objects" | "direct" } = {},
): Promise<FreshnessResults> {
  const target = options.views ?? 10_000;
  const direct = options.flood === "direct";
  const [seller, operator] = await Promise.all([tokenFor(DEMO_CALLERS.seller1), tokenFor(DEMO_CALLERS.operator)]);
  let timedOut = 0;
  const idleMs: number[] = [];
  for (let i = 0; i < (options.idleProbes ?? 3); i++) {
    const ms = await probe(origin, seller, operator);
    if (ms === null) timedOut += 1;
    else idleMs.push(ms);
  }

  // One churn request at a time (16 objects at once inside it): locally every object, queue and
  // Worker shares one workerd process, so a wider flood would measure that process's backlog.
  const PAGE = 250;
  const PARALLEL_PAGES = 1;
  let sent = 0;
  let skus = 0;
  let rounds = 0;
  const sendStarted = performance.now();
  let flooding = true;
  const flood = (async () => {
    try {
      while (sent < target) {
        const roundStarted = performance.now();
        let touched = 0;
        let offset = 0;
        for (;;) {
          const pages = await Promise.all(
            Array.from({ length: PARALLEL_PAGES }, (_, i) =>
              (direct ? sendPage : churnPage)(origin, offset + i * PAGE, PAGE),
            ),
          );
          const n = pages.reduce((a, b) => a + b, 0);
          touched += n;
          sent += n;
          offset += PARALLEL_PAGES * PAGE;
          if (sent >= target || (pages.at(-1) ?? 0) < PAGE) break;
        }
        if (touched === 0) throw new Error("bench churn: no SKU with projected stock to churn");
        skus = Math.max(skus, touched);
        rounds += 1;
        // An object publishes at most once a second: the next round's writes must come after that.
        if (!direct) await sleep(Math.max(0, 1_200 - (performance.now() - roundStarted)));
      }
    } finally {
      flooding = false;
    }
  })();

  const underChurnMs: number[] = [];
  const minProbes = options.minProbes ?? 20;
  while (flooding || underChurnMs.length < minProbes) {
    if (!flooding && !direct) {
      // Still draining: probes count only while views are flowing.
      const progress = (await (await fetch(`${origin}/__bench/churn`)).json()) as { skus: number; caughtUp: number };
      if (progress.caughtUp >= progress.skus) break;
    }
    const ms = await probe(origin, seller, operator);
    if (ms === null) timedOut += 1;
    else underChurnMs.push(ms);
  }
  await flood;
  const sendSeconds = (performance.now() - sendStarted) / 1000;

  let drainSeconds: number | null = null;
  // The direct flood leaves the projection as it was: nothing to wait for.
  const drainDeadline = direct ? 0 : performance.now() + 300_000;
  while (performance.now() < drainDeadline) {
    const progress = (await (await fetch(`${origin}/__bench/churn`)).json()) as { skus: number; caughtUp: number };
    if (progress.caughtUp >= progress.skus) {
      drainSeconds = Math.round((performance.now() - sendStarted) / 100) / 10;
      break;
    }
    await sleep(250);
  }
  return {
    flood: direct ? "direct" : "objects",
    views: { target, sent, skus, rounds, sendSeconds: Math.round(sendSeconds * 10) / 10, drainSeconds },
    idleMs,
    underChurnMs,
    idle: percentiles(idleMs),
    underChurn: percentiles(underChurnMs),
    timedOut,
  };
}

/** One line per figure for the bench's console output. */
export function describeFreshness(r: FreshnessResults): string {
  const line = (label: string, p: Percentiles) =>
    `${label.padEnd(34)} n=${p.count}  p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms  max ${p.max} ms`;
  return [
    "\nsearch freshness: on-shelf → listed by GET /v1/products?q=",
    line("  quiet platform", r.idle),
    line(`  while ${r.views.sent} stock views flow`, r.underChurn),
    `  stock views (${r.flood === "direct" ? "sent straight to the queue" : "published by SKU objects"}): ${r.views.sent} ` +
      `(${r.views.skus} SKUs × ${r.views.rounds} rounds) in ${r.views.sendSeconds} s` +
      (r.flood === "direct" ? "" : `, projection caught up after ${r.views.drainSeconds ?? "more than 300"} s`) +
      `; probes timed out: ${r.timedOut}`,
  ].join("\n");
}
