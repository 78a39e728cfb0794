/**
 * `npm run loadtest` (全链路压测): drives a realistic mix against the running local platform
 * (`npm run dev` first) — browse and search most, then product detail, cart, quote, order, pay
 * through the sandbox provider, a few refunds — with a progress bar, then checks the invariants
 * (stock balanced, ledger balanced, no pay order paid twice) and writes a self-contained HTML report
 * (and the raw numbers as JSON) to bench/results/loadtest-<time>.html. The mix, rates and size are
 * read from bench/loadtest.config.json (LOADTEST_CONFIG=path for another; LOADTEST_DURATION and
 * LOADTEST_ORIGIN override its duration and origin).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { apiCall, DEMO_CALLERS, tokenFor } from "./lib/api.ts";
import { type Invariant, renderReport, type Sample, summarize } from "./loadtest-report.ts";
import { benchAddress, hotProduct } from "./orders.ts";

const STEPS = ["browse", "search", "detail", "cart", "quote", "order", "pay", "refund"] as const;
type Step = (typeof STEPS)[number];

const configSchema = z.object({
  origin: z.string().url(),
  durationSeconds: z.number().int().positive(),
  virtualUsers: z.number().int().positive(),
  buyers: z.number().int().positive(),
  bucketSeconds: z.number().int().positive().default(5),
  mix: z.record(z.enum(STEPS), z.number().nonnegative()),
});

const configPath = process.env.LOADTEST_CONFIG ?? "bench/loadtest.config.json";
const config = configSchema.parse(JSON.parse(readFileSync(configPath, "utf8")));
if (process.env.LOADTEST_DURATION) config.durationSeconds = Number(process.env.LOADTEST_DURATION);
if (process.env.LOADTEST_ORIGIN) config.origin = process.env.LOADTEST_ORIGIN;
const { origin } = config;
const PASSWORD = "loadtest correct horse battery";
const STOCK = 1_000_000_000;

interface Buyer {
  token: string;
  addressId: string;
  /** Pay orders placed and not yet paid, and orders paid (refund candidates). */
  unpaid: string[];
  paid: string[];
}

/** One timed request; ok when 2xx. */
async function timed(
  samples: Sample[],
  started: number,
  step: Step,
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ ok: boolean; body: unknown }> {
  const t0 = performance.now();
  let ok = false;
  let body: unknown = null;
  let failure: string | undefined;
  try {
    const res = await fetch(`${origin}${path}`, {
      method: init.method ?? "GET",
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    ok = res.ok;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    if (!ok) failure = `${res.status} ${(body as { code?: string })?.code ?? ""}`.trim();
  } catch (err) {
    failure = `network ${(err as Error).message}`;
  }
  samples.push({ step, at: (t0 - started) / 1000, ms: performance.now() - t0, ok, ...(failure ? { failure } : {}) });
  return { ok, body };
}

async function buyerOf(n: number): Promise<Buyer> {
  const username = `loadtest${String(n).padStart(3, "0")}`;
  const reg = await fetch(`${origin}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (reg.status !== 201 && reg.status !== 409)
    throw new Error(`registering ${username}: ${reg.status} ${await reg.text()}`);
  const { accessToken } = await apiCallAnon<{ accessToken: string }>("/v1/auth/login", {
    username,
    password: PASSWORD,
  });
  return { token: accessToken, addressId: await benchAddress(origin, accessToken), unpaid: [], paid: [] };
}

async function apiCallAnon<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Picks a step by the mix's weights. */
function pick(): Step {
  const entries = STEPS.map((s) => [s, config.mix[s] ?? 0] as const);
  let r = Math.random() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [step, weight] of entries) {
    r -= weight;
    if (r < 0) return step;
  }
  return "browse";
}

function progress(elapsed: number, samples: Sample[]) {
  const width = 30;
  const done = Math.min(1, elapsed / config.durationSeconds);
  const bar = "#".repeat(Math.round(done * width)).padEnd(width, ".");
  const errors = samples.filter((s) => !s.ok).length;
  process.stdout.write(
    `\r[${bar}] ${Math.round(done * 100)}% ${elapsed.toFixed(0)}/${config.durationSeconds} s  ${samples.length} requests  ${(samples.length / Math.max(1, elapsed)).toFixed(0)} req/s  ${errors} errors`,
  );
}

async function main() {
  const health = await fetch(`${origin}/v1/health`).catch(() => null);
  if (!health?.ok) throw new Error(`nothing answers ${origin}/v1/health: start the platform with npm run dev first`);
  console.log(`load test against ${origin}: ${config.virtualUsers} virtual users for ${config.durationSeconds} s`);
  const seller = await tokenFor(DEMO_CALLERS.seller1);
  const operator = await tokenFor(DEMO_CALLERS.operator);
  const skuId = await hotProduct(origin, "loadtest");
  const detail = await apiCall<{ productId: string }>(origin, "GET", `/admin/v1/skus/${skuId}/stock`, seller).catch(
    () => null,
  );
  void detail;
  const products = await apiCall<{ items: { productId: string }[] }>(origin, "GET", "/v1/products?limit=50", seller);
  const productIds = products.items.map((p) => p.productId);
  const buyers = await Promise.all(Array.from({ length: config.buyers }, (_, i) => buyerOf(i + 1)));
  const item = { items: [{ skuId, quantity: 1 }] };
  const samples: Sample[] = [];
  const paidPayOrders: string[] = [];
  const started = performance.now();
  const deadline = started + config.durationSeconds * 1000;

  const run: Record<Step, (b: Buyer) => Promise<unknown>> = {
    browse: () => timed(samples, started, "browse", "/v1/products?categoryId=1003001&limit=20&sort=sales"),
    search: () => timed(samples, started, "search", `/v1/products?q=${encodeURIComponent("T恤")}&limit=20`),
    detail: () =>
      timed(
        samples,
        started,
        "detail",
        `/v1/products/${productIds[Math.floor(Math.random() * productIds.length)] ?? ""}`,
      ),
    cart: (b) =>
      timed(samples, started, "cart", `/v1/cart/items/${skuId}`, {
        method: "PUT",
        token: b.token,
        body: { quantity: 1 },
      }),
    quote: (b) =>
      timed(samples, started, "quote", "/v1/checkout/quote", {
        method: "POST",
        token: b.token,
        body: { ...item, addressId: b.addressId },
      }),
    order: async (b) => {
      const placed = await timed(samples, started, "order", "/v1/orders", {
        method: "POST",
        token: b.token,
        body: { ...item, addressId: b.addressId },
        headers: { "idempotency-key": crypto.randomUUID() },
      });
      const payOrderId = (placed.body as { payOrderId?: string })?.payOrderId;
      if (placed.ok && payOrderId) b.unpaid.push(payOrderId);
    },
    pay: async (b) => {
      const payOrderId = b.unpaid.shift();
      if (!payOrderId) return run.order(b);
      const started2 = await timed(samples, started, "pay", `/v1/pay-orders/${payOrderId}/pay`, {
        method: "POST",
        token: b.token,
        body: { method: "sandbox" },
        headers: { "idempotency-key": `loadtest-pay-${payOrderId}` },
      });
      const paymentId = (started2.body as { paymentId?: string })?.paymentId;
      if (!started2.ok || !paymentId) return;
      const succeeded = await timed(samples, started, "pay", `/sandbox/pay/${paymentId}/succeed`, { method: "POST" });
      if (succeeded.ok) {
        b.paid.push(payOrderId);
        paidPayOrders.push(payOrderId);
      }
    },
    refund: async (b) => {
      const payOrderId = b.paid.shift();
      if (!payOrderId) return run.pay(b);
      const view = await timed(samples, started, "refund", `/v1/pay-orders/${payOrderId}`, { token: b.token });
      const orders = (view.body as { orders?: { orderId: string }[] })?.orders ?? [];
      const orderId = orders[0]?.orderId;
      if (!orderId || (view.body as { paymentStatus?: string }).paymentStatus !== "PAID") {
        b.paid.push(payOrderId); // not PAID yet: try it again later
        return;
      }
      const order = await timed(samples, started, "refund", `/v1/orders/${orderId}`, { token: b.token });
      const orderItemId = (order.body as { items?: { orderItemId: string }[] })?.items?.[0]?.orderItemId;
      if (!orderItemId) return;
      await timed(samples, started, "refund", `/admin/v1/orders/${orderId}/refunds`, {
        method: "POST",
        token: seller,
        body: { items: [{ orderItemId, quantity: 1 }], reason: "load test refund" },
        headers: { "idempotency-key": crypto.randomUUID() },
      });
    },
  };

  const ticker = setInterval(() => progress((performance.now() - started) / 1000, samples), 500);
  await Promise.all(
    Array.from({ length: config.virtualUsers }, async (_, i) => {
      const b = buyers[i % buyers.length] as Buyer;
      while (performance.now() < deadline) await run[pick()](b);
    }),
  );
  clearInterval(ticker);
  progress(config.durationSeconds, samples);
  process.stdout.write("\n");

  const invariants = await checkInvariants(skuId, seller, operator, paidPayOrders);
  const startedAt = new Date(Date.now() - config.durationSeconds * 1000).toISOString();
  mkdirSync("bench/results", { recursive: true });
  const stem = `bench/results/loadtest-${startedAt.replace(/[:]/g, "-")}`;
  const page = renderReport({
    startedAt,
    config,
    durationSeconds: config.durationSeconds,
    bucketSeconds: config.bucketSeconds,
    samples,
    invariants,
  });
  writeFileSync(`${stem}.html`, page);
  const summary = summarize(samples, config.durationSeconds);
  writeFileSync(`${stem}.json`, JSON.stringify({ startedAt, config, summary, invariants }, null, 2));
  for (const s of summary) {
    console.log(
      `${s.step.padEnd(7)} ${String(s.requests).padStart(6)} req ${s.perSecond.toFixed(1).padStart(7)}/s  p50 ${s.p50.toFixed(0)} p95 ${s.p95.toFixed(0)} p99 ${s.p99.toFixed(0)} ms  errors ${s.errors}`,
    );
  }
  for (const i of invariants) console.log(`${i.ok ? "ok    " : "BROKEN"} ${i.name}: ${i.detail}`);
  console.log(`report: ${stem}.html`);
  if (invariants.some((i) => !i.ok)) process.exitCode = 1;
}

/** Waits for the payments to settle, then checks stock, ledger and single payment per pay order. */
async function checkInvariants(skuId: string, seller: string, operator: string, paid: string[]): Promise<Invariant[]> {
  // Let the queues finish what the run started (payments, refunds) before reading the books.
  await new Promise((r) => setTimeout(r, 5_000));
  const stock = await apiCall<{ available: number; reserved: number; sold: number }>(
    origin,
    "GET",
    `/admin/v1/skus/${skuId}/stock`,
    seller,
  );
  const total = stock.available + stock.reserved + stock.sold;
  const balances: { balance: { amount: number; currency: string } }[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: typeof balances; nextCursor: string | null } = await apiCall(
      origin,
      "GET",
      `/admin/v1/ledger/balances?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      operator,
    );
    balances.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const sums = new Map<string, number>();
  for (const b of balances) sums.set(b.balance.currency, (sums.get(b.balance.currency) ?? 0) + b.balance.amount);
  let twice = 0;
  for (const payOrderId of paid) {
    const payments = await apiCall<{ items: { status: string }[] }>(
      origin,
      "GET",
      `/admin/v1/payments?payOrderId=${payOrderId}&limit=100`,
      operator,
    );
    if (payments.items.filter((p) => p.status === "SUCCEEDED").length > 1) twice += 1;
  }
  return [
    {
      name: "stock balanced (available + reserved + sold = received)",
      ok: total === STOCK && stock.available >= 0,
      detail: `available ${stock.available} + reserved ${stock.reserved} + sold ${stock.sold} = ${total} of ${STOCK} received`,
    },
    {
      name: "ledger balanced (every currency's balances sum to zero)",
      ok: [...sums.values()].every((v) => v === 0),
      detail: [...sums].map(([c, v]) => `${c} ${v}`).join(", ") || "no entries",
    },
    {
      name: "no pay order paid twice",
      ok: twice === 0,
      detail: `${paid.length} pay orders paid in the run, ${twice} with more than one succeeded payment`,
    },
  ];
}

await main();
