/**
 * `npm run bench:flash`: a flash sale's stampede against the local platform (started as
 * `npm run bench` starts it), once with one bucket object (K=1) and once with eight (K=8).
 *
 * Set-up through the public APIs: BENCH_FLASH_SHOPPERS (2,000) shoppers `flashbench0001`, ... are
 * registered on the first run (409 `username_taken` later; their ids are kept in
 * <PERSIST_DIR>/bench-flash-shoppers.json, their access tokens signed with the local dev secret as
 * login would, so no scrypt per run); per K, seller1 lists a product whose one SKU holds 10^9 units and
 * schedules a campaign of 100 units at 9.90 (perUserLimit 1) starting a few seconds later; every
 * shopper fetches the campaign page for its entry proof before the start.
 *
 * Then, at the start, BENCH_FLASH_ENTRIES (10,000) entries (each shopper 5 times, shuffled) go
 * out over BENCH_FLASH_CONNECTIONS (64) connections as fast as the platform answers. An admitted
 * shopper places its order (POST /v1/orders with the purchase token and an address) at once. When
 * the entries are spent and units are still unsold, the shoppers never admitted keep entering,
 * honouring retryAfterMs, until sold out (counted apart as follow-up entries).
 *
 * Reported per K: orders at the flash price (must be exactly 100), the most any shopper was
 * admitted or ordered (1), units left unsold while shoppers were still trying (0), 5xx answers (0),
 * admission p50/p99, entries/s as a ratio of the hello-world route measured in the same run, the
 * quota's final split (the invariant's terms, from GET /__bench/flash/<id> in the dev router) and
 * each object's busiest second. Results go to bench/results/flash-<time>.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { PERSIST_DIR } from "../scripts/local.ts";
import { DEMO_CALLERS, tokenFor } from "./lib/api.ts";
import { measure } from "./lib/load.ts";
import { startPlatform } from "./lib/platform.ts";
import { benchAddress, hotProduct } from "./orders.ts";
import { CEILING } from "./scenarios.ts";

const port = Number(process.env.BENCH_PORT ?? 8799);
const SHOPPERS = Number(process.env.BENCH_FLASH_SHOPPERS ?? 2_000);
const ENTRIES = Number(process.env.BENCH_FLASH_ENTRIES ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_FLASH_CONNECTIONS ?? 64);
const BUCKET_COUNTS = (process.env.BENCH_FLASH_BUCKETS ?? "1,8").split(",").map(Number);
const UNITS = 100;
const PRICE = { amount: 990, currency: "CNY" };
const PASSWORD = "flash-bench-dev-password-7Qx!";
/** Kept beside the local state it describes (a fresh PERSIST_DIR registers them again). */
const SHOPPER_CACHE = `${PERSIST_DIR}/bench-flash-shoppers.json`;
/** Follow-up entries stop after this long (a stranded unit would keep them going forever). */
const FOLLOW_UP_MS = 60_000;
/** `orders` (POST /v1/orders with the purchase token) or `quota` (the admission redeemed directly). */
const REDEEM = process.env.BENCH_FLASH_REDEEM === "quota" ? "quota" : "orders";

interface Shopper {
  n: number;
  userId: string;
  token: string;
  /** Shoppers come from 200 addresses (10 each), as the per-IP entry limit would see them. */
  ip: string;
}

interface Entry {
  ms: number;
  status: number;
  outcome: string;
}

export interface FlashRun {
  buckets: number;
  campaignId: string;
  entries: number;
  wallSeconds: number;
  entriesPerSecond: number;
  ratioToCeiling: number;
  admissionMs: { p50: number; p99: number; max: number };
  statusCounts: Record<string, number>;
  fiveXx: number;
  followUpEntries: number;
  orders: number;
  ordersAtFlashPrice: number;
  orderFailures: Record<string, number>;
  mostAdmittedPerShopper: number;
  mostOrdersPerShopper: number;
  /** Units not sold at the end while shoppers who were never admitted were still entering. */
  unitsLeftWhileShoppersRemained: number;
  counts: Record<string, unknown>;
  invariantHolds: boolean;
  objects: { name: string; calls: number; busiestSecond: { at: string; calls: number } | null }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

function ipOf(n: number): string {
  const group = Math.floor(n / 10);
  return `10.77.${Math.floor(group / 250)}.${(group % 250) + 1}`;
}

/** The bench shoppers: registered once, ids cached; tokens signed as login would sign them. */
async function shoppers(origin: string, count: number): Promise<Shopper[]> {
  let cache: Record<string, string> = {};
  try {
    cache = JSON.parse(readFileSync(SHOPPER_CACHE, "utf8")) as Record<string, string>;
  } catch {
    // First run.
  }
  const username = (n: number) => `flashbench${String(n).padStart(4, "0")}`;
  const register = async (n: number): Promise<string | null> => {
    const res = await fetch(`${origin}/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: username(n), password: PASSWORD }),
    });
    if (res.status === 201) return ((await res.json()) as { userId: string }).userId;
    const text = await res.text();
    if (res.status === 409) return null;
    throw new Error(`bench setup: registering ${username(n)} answered ${res.status}: ${text}`);
  };
  const login = async (n: number): Promise<string> => {
    const res = await fetch(`${origin}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: username(n), password: PASSWORD }),
    });
    if (!res.ok) throw new Error(`bench setup: logging in ${username(n)} answered ${res.status}: ${await res.text()}`);
    const { accessToken } = (await res.json()) as { accessToken: string };
    const payload = JSON.parse(Buffer.from(accessToken.split(".")[1] ?? "", "base64url").toString()) as { sub: string };
    return payload.sub;
  };
  // A fresh local state (the first one registers) makes the cached ids stale.
  if (cache[username(1)] && (await register(1))) cache = {};
  const started = Date.now();
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !cache[username(n)]);
  await pool(missing, 8, async (n) => {
    cache[username(n)] = (await register(n)) ?? (await login(n));
  });
  if (missing.length > 0) {
    mkdirSync(PERSIST_DIR, { recursive: true });
    writeFileSync(SHOPPER_CACHE, JSON.stringify(cache));
    console.log(`shoppers: ${missing.length} registered in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const n = i + 1;
      const userId = cache[username(n)] ?? "";
      return { n, userId, token: await tokenFor({ userId, roles: ["shopper"] }), ip: ipOf(n) };
    }),
  );
}

async function call<T>(
  origin: string,
  method: string,
  path: string,
  who: { token: string; ip?: string },
  body?: unknown,
): Promise<{ status: number; body: T; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${who.token}`,
      "content-type": "application/json",
      ...(who.ip ? { "cf-connecting-ip": who.ip } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a 5xx from the runtime): kept as text.
  }
  return { status: res.status, body: parsed as T, ms };
}

type EnterAnswer = {
  status?: string;
  code?: string;
  purchaseToken?: string;
  retryAfterMs?: number;
};

/** One sale with K buckets. */
async function runSale(origin: string, all: Shopper[], buckets: number, ceiling: number): Promise<FlashRun> {
  const seller = { token: await tokenFor(DEMO_CALLERS.seller1) };
  const skuId = await hotProduct(origin, `flash K=${buckets}`);
  const startsAt = Date.now() + 15_000 + all.length * 5;
  const created = await call<{ campaignId: string }>(origin, "POST", "/admin/v1/flash-sales", seller, {
    skuId,
    price: PRICE,
    quota: UNITS,
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(startsAt + 30 * 60_000).toISOString(),
    perUserLimit: 1,
    buckets,
  });
  if (created.status !== 201)
    throw new Error(`creating the campaign answered ${created.status}: ${JSON.stringify(created.body)}`);
  const { campaignId } = created.body;

  // Entry proofs, fetched signed in before the start (the page a script cannot skip).
  const proofs = new Map<number, string>();
  await pool(all, 32, async (s) => {
    const page = await call<{ entryProof?: string }>(origin, "GET", `/v1/flash-sales/${campaignId}`, s);
    if (page.status !== 200 || !page.body.entryProof) {
      throw new Error(`campaign page for shopper ${s.n} answered ${page.status}: ${JSON.stringify(page.body)}`);
    }
    proofs.set(s.n, page.body.entryProof);
  });
  // Addresses for everyone who may win (made now, so an order costs only the order).
  const addresses = new Map<number, string>();
  await pool(all, 16, async (s) => {
    addresses.set(s.n, await benchAddress(origin, s.token));
  });
  const wait = startsAt - Date.now();
  if (wait > 0) await sleep(wait + 50);

  const entries: Entry[] = [];
  const admittedBy = new Map<number, number>();
  const ordersBy = new Map<number, number>();
  const orderFailures: Record<string, number> = {};
  const orderWork: Promise<void>[] = [];
  const placed: { shopper: Shopper; orderId: string }[] = [];
  let tokensAtFlashPrice = 0;
  let soldOutSeen = false;

  const placeOrder = async (s: Shopper, purchaseToken: string) => {
    if (REDEEM === "quota") return redeemInQuota(s, purchaseToken);
    const res = await call<{ orders?: { orderId: string }[]; code?: string }>(origin, "POST", "/v1/orders", s, {
      purchaseToken,
      addressId: addresses.get(s.n),
    });
    if (res.status !== 201) {
      const key = `${res.status} ${res.body.code ?? ""}`.trim();
      orderFailures[key] = (orderFailures[key] ?? 0) + 1;
      return;
    }
    ordersBy.set(s.n, (ordersBy.get(s.n) ?? 0) + 1);
    for (const o of res.body.orders ?? []) placed.push({ shopper: s, orderId: o.orderId });
  };

  // The fallback (BENCH_FLASH_REDEEM=quota): the token's admission redeemed through the quota itself.
  const redeemInQuota = async (s: Shopper, purchaseToken: string) => {
    const claims = JSON.parse(Buffer.from(purchaseToken.split(".")[1] ?? "", "base64url").toString()) as {
      jti: string;
      sub: string;
      amt: number;
    };
    const res = await call<{ status: string }>(origin, "POST", `/__bench/flash/${campaignId}/redeem`, s, {
      admissionId: claims.jti,
      userId: claims.sub,
      orderId: `bench-order-${s.n}-${claims.jti}`,
    });
    if (res.body.status !== "sold") {
      orderFailures[res.body.status] = (orderFailures[res.body.status] ?? 0) + 1;
      return;
    }
    ordersBy.set(s.n, (ordersBy.get(s.n) ?? 0) + 1);
    if (claims.amt === PRICE.amount) tokensAtFlashPrice += 1;
  };

  const enter = async (s: Shopper): Promise<EnterAnswer> => {
    const res = await call<EnterAnswer>(origin, "POST", `/v1/flash-sales/${campaignId}/enter`, s, {
      quantity: 1,
      entryProof: proofs.get(s.n),
    });
    // A problem's `status` is the HTTP status: its `code` (sold_out, limit_reached, rate_limited) says more.
    const outcome = res.body.code ?? res.body.status ?? String(res.status);
    entries.push({ ms: res.ms, status: res.status, outcome });
    if (res.status === 200 && res.body.purchaseToken) {
      admittedBy.set(s.n, (admittedBy.get(s.n) ?? 0) + 1);
      orderWork.push(placeOrder(s, res.body.purchaseToken));
    }
    if (outcome === "sold_out") soldOutSeen = true;
    return res.body;
  };

  const perShopper = Math.max(1, Math.round(ENTRIES / all.length));
  const schedule = Array.from({ length: ENTRIES }, (_, i) => all[Math.floor(i / perShopper) % all.length] as Shopper);
  for (let i = schedule.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [schedule[i], schedule[j]] = [schedule[j] as Shopper, schedule[i] as Shopper];
  }
  // Each object's meter lives in memory and an idle object is evicted (once sold out is known at
  // the edge, the objects idle for minutes), so the meters are sampled while the stampede runs.
  const sampled = new Map<string, FlashRun["objects"][number]>();
  const keep = (o: FlashRun["objects"][number]) => {
    const seen = sampled.get(o.name);
    const busier = (o.busiestSecond?.calls ?? 0) > (seen?.busiestSecond?.calls ?? 0);
    sampled.set(o.name, {
      name: o.name,
      calls: Math.max(o.calls, seen?.calls ?? 0),
      busiestSecond: busier ? o.busiestSecond : (seen?.busiestSecond ?? null),
    });
  };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const s = await call<{ stats: { coordinator: FlashRun["objects"][number]; buckets: FlashRun["objects"] } }>(
        origin,
        "GET",
        `/__bench/flash/${campaignId}/stats`,
        seller,
      ).catch(() => null);
      if (s?.status === 200) for (const o of [s.body.stats.coordinator, ...s.body.stats.buckets]) keep(o);
      await sleep(1_000);
    }
  })();
  const started = performance.now();
  await pool(schedule, CONNECTIONS, async (s) => {
    await enter(s);
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const stampede = entries.length;
  await Promise.all(orderWork);

  // Units still unsold: those never admitted keep coming (honouring retryAfterMs) until sold out.
  const followUpStart = Date.now();
  const hopeful = all.filter((s) => !admittedBy.has(s.n));
  const sold = () => [...ordersBy.values()].reduce((a, b) => a + b, 0);
  if (!soldOutSeen) {
    await pool(hopeful, CONNECTIONS, async (s) => {
      while (!soldOutSeen && sold() < UNITS && Date.now() - followUpStart < FOLLOW_UP_MS) {
        const answer = await enter(s);
        if (answer.status !== "queued") break;
        await sleep(Math.min(answer.retryAfterMs ?? 500, 2_000));
      }
    });
    await Promise.all(orderWork);
  }
  sampling = false;
  await sampler;

  const final = await call<{
    counts: Record<string, number | number[] | boolean>;
    stats: { coordinator: FlashRun["objects"][number]; buckets: FlashRun["objects"] };
  }>(origin, "GET", `/__bench/flash/${campaignId}`, seller);
  const c = final.body.counts;
  // Each order as the shopper sees it: one line of the campaign's SKU at the flash price.
  let ordersAtFlashPrice = tokensAtFlashPrice;
  await pool(placed, 16, async ({ shopper, orderId }) => {
    const o = await call<{
      items?: { skuId: string; quantity: number; unitPrice: { amount: number; currency: string } }[];
    }>(origin, "GET", `/v1/orders/${orderId}`, shopper);
    const items = o.body.items ?? [];
    const flash =
      items.length === 1 &&
      items.every(
        (i) =>
          i.skuId === skuId &&
          i.quantity === 1 &&
          i.unitPrice.amount === PRICE.amount &&
          i.unitPrice.currency === PRICE.currency,
      );
    if (o.status === 200 && flash) ordersAtFlashPrice += 1;
  });
  const stock = (c.bucketStock as number[]).reduce((a, b) => a + b, 0);
  const terms =
    (c.unallocated as number) + (c.inFlight as number) + stock + (c.admitted as number) + (c.sold as number);
  const latencies = entries.map((e) => e.ms).sort((a, b) => a - b);
  const statusCounts: Record<string, number> = {};
  for (const e of entries)
    statusCounts[`${e.status} ${e.outcome}`] = (statusCounts[`${e.status} ${e.outcome}`] ?? 0) + 1;
  const orders = sold();
  const entriesPerSecond = Math.round((stampede / wallSeconds) * 10) / 10;
  return {
    buckets,
    campaignId,
    entries: stampede,
    wallSeconds: Math.round(wallSeconds * 100) / 100,
    entriesPerSecond,
    ratioToCeiling: Math.round((entriesPerSecond / ceiling) * 1000) / 1000,
    admissionMs: {
      p50: Math.round(percentile(latencies, 50) * 10) / 10,
      p99: Math.round(percentile(latencies, 99) * 10) / 10,
      max: Math.round((latencies.at(-1) ?? 0) * 10) / 10,
    },
    statusCounts,
    fiveXx: entries.filter((e) => e.status >= 500).length,
    followUpEntries: entries.length - stampede,
    orders,
    ordersAtFlashPrice,
    orderFailures,
    mostAdmittedPerShopper: Math.max(0, ...admittedBy.values()),
    mostOrdersPerShopper: Math.max(0, ...ordersBy.values()),
    // 2,000 shoppers for 100 units: shoppers always remain, so every unit not sold counts.
    unitsLeftWhileShoppersRemained: UNITS - (c.sold as number),
    counts: c,
    invariantHolds: terms === UNITS,
    objects: [final.body.stats.coordinator, ...final.body.stats.buckets].map((o) => {
      keep(o);
      return sampled.get(o.name) ?? o;
    }),
  };
}

function describe(r: FlashRun): string {
  const busiest = r.objects
    .map((o) => `${o.name.split(":").slice(1).join(":") || o.name} ${o.busiestSecond?.calls ?? 0}/s (${o.calls} calls)`)
    .join(", ");
  return [
    `K=${r.buckets}: ${r.entries} entries in ${r.wallSeconds} s = ${r.entriesPerSecond} entries/s (x${r.ratioToCeiling} of hello-world), ` +
      `admission p50 ${r.admissionMs.p50} ms p99 ${r.admissionMs.p99} ms, 5xx ${r.fiveXx}, follow-up entries ${r.followUpEntries}`,
    `  orders ${r.orders} (${r.ordersAtFlashPrice} at ${PRICE.amount / 100}), most per shopper: admitted ${r.mostAdmittedPerShopper}, ordered ${r.mostOrdersPerShopper}; ` +
      `units left while shoppers remained ${r.unitsLeftWhileShoppersRemained}; invariant ${r.invariantHolds ? "holds" : "BROKEN"} ${JSON.stringify(r.counts)}`,
    `  answers ${JSON.stringify(r.statusCounts)}${Object.keys(r.orderFailures).length ? ` order failures ${JSON.stringify(r.orderFailures)}` : ""}`,
    `  busiest second per object: ${busiest}`,
  ].join("\n");
}

// A small demo catalog: the sale needs none of it, and seeding it is start-up time.
// One machine sends every entry: the per-IP entry limit (10,000 a minute in local dev) raised for it.
const platform = await startPlatform(port, {
  CATALOG_SIZE: process.env.CATALOG_SIZE ?? "100",
  FLASH_SALE_ENTRY_IP_LIMIT_PER_MINUTE: process.env.FLASH_SALE_ENTRY_IP_LIMIT_PER_MINUTE ?? "1000000",
});
try {
  const all = await shoppers(platform.origin, SHOPPERS);
  await measure(platform.origin, { name: CEILING, path: "/__hello" }, CONNECTIONS, 1);
  const hello = await measure(platform.origin, { name: CEILING, path: "/__hello" }, CONNECTIONS, 5);
  console.log(
    `orders through ${REDEEM === "orders" ? "POST /v1/orders with the purchase token" : "the quota's redeem (BENCH_FLASH_REDEEM=quota)"}`,
  );
  console.log(`hello-world ceiling: ${hello.requestsPerSecond} req/s at ${CONNECTIONS} connections`);
  const runs: FlashRun[] = [];
  for (const k of BUCKET_COUNTS) {
    const run = await runSale(platform.origin, all, k, hello.requestsPerSecond);
    runs.push(run);
    console.log(describe(run));
  }
  mkdirSync("bench/results", { recursive: true });
  const file = `bench/results/flash-${new Date().toISOString().replaceAll(":", "-")}.json`;
  writeFileSync(
    file,
    JSON.stringify(
      {
        redeemedThrough: REDEEM,
        machine: { cpus: cpus().length },
        shoppers: SHOPPERS,
        connections: CONNECTIONS,
        ceiling: hello.requestsPerSecond,
        runs,
      },
      null,
      2,
    ),
  );
  console.log(`results: ${file}`);
  const failed = runs.filter(
    (r) =>
      r.orders !== UNITS ||
      r.ordersAtFlashPrice !== UNITS ||
      r.mostAdmittedPerShopper > 1 ||
      r.mostOrdersPerShopper > 1 ||
      r.unitsLeftWhileShoppersRemained > 0 ||
      r.fiveXx > 0 ||
      !r.invariantHolds,
  );
  if (failed.length > 0) process.exitCode = 1;
} finally {
  await platform.stop();
}
