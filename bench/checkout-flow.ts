/**
 * The whole checkout as shoppers make it (issue #21): each of `buyers` shoppers loops until the
 * duration is up over PUT /v1/cart/items/:skuId `{quantity: 1}` → POST /v1/checkout/quote
 * (that line, the bench address) → POST /v1/orders `{quoteToken}`, and the figure is orders per
 * second with the p50/p99 of each call. Run at 8 and 32 buyers (BENCH_FLOW_BUYERS=8,32), after
 * one untimed checkout per buyer warms the isolates up.
 *
 * Set up through the public APIs only: a product of one SKU of 1,000,000,000 units (as
 * bench/orders.ts does) and shoppers `benchflow01`, `benchflow02`, ... registered on the first
 * run (409 on later runs: reused), logged in, with the bench address. Orders stay unpaid; the
 * local ORDER_HELD_UNITS_LIMIT (scripts/local.ts) lets them pile up.
 */
import { benchAddress, hotProduct } from "./orders.ts";

export const CHECKOUT_FLOW = "checkout flow: cart line → quote → order";

const BUYER_PASSWORD = "bench-buyer-dev-password";

interface Percentiles {
  count: number;
  p50: number | null;
  p99: number | null;
}

export interface FlowRun {
  buyers: number;
  durationSeconds: number;
  wallSeconds: number;
  orders: number;
  ordersPerSecond: number;
  failures: number;
  failureKinds: Record<string, number>;
  latencyMs: { cartLine: Percentiles; quote: Percentiles; order: Percentiles; checkout: Percentiles };
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const round = (n: number | undefined) => (n === undefined ? null : Math.round(n * 10) / 10);
  return { count: sorted.length, p50: round(at(50)), p99: round(at(99)) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class StepFailure extends Error {}

async function timed<T>(url: string, step: string, method: string, bearer: string, body: unknown) {
  const started = performance.now();
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    text = await res.text();
  } catch (err) {
    throw new StepFailure(`${step} network error (${(err as Error).message})`);
  }
  const ms = performance.now() - started;
  if (!res.ok) {
    let code = "";
    try {
      code = String((JSON.parse(text) as { code?: string }).code ?? "");
    } catch {
      // Not JSON: the status says enough.
    }
    throw new StepFailure(`${step} ${res.status}${code ? ` ${code}` : ""}`);
  }
  return { body: JSON.parse(text) as T, ms };
}

interface Buyer {
  token: string;
  addressId: string;
}

async function buyer(origin: string, n: number): Promise<Buyer> {
  const username = `benchflow${String(n).padStart(2, "0")}`;
  const credentials = JSON.stringify({ username, password: BUYER_PASSWORD });
  const headers = { "content-type": "application/json" };
  const reg = await fetch(`${origin}/v1/auth/register`, { method: "POST", headers, body: credentials });
  if (reg.status !== 201 && reg.status !== 409) {
    throw new Error(`bench setup: registering ${username} answered ${reg.status}: ${await reg.text()}`);
  }
  await reg.body?.cancel();
  const login = await fetch(`${origin}/v1/auth/login`, { method: "POST", headers, body: credentials });
  if (!login.ok) throw new Error(`bench setup: logging in ${username} answered ${login.status}: ${await login.text()}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  return { token: accessToken, addressId: await benchAddress(origin, accessToken) };
}

interface Sample {
  cartLine: number;
  quote: number;
  order: number;
  checkout: number;
}

async function checkout(origin: string, b: Buyer, skuId: string): Promise<Sample> {
  const started = performance.now();
  const line = await timed(`${origin}/v1/cart/items/${skuId}`, "cart line", "PUT", b.token, { quantity: 1 });
  const quote = await timed<{ quoteToken: string }>(`${origin}/v1/checkout/quote`, "quote", "POST", b.token, {
    items: [{ skuId, quantity: 1 }],
    addressId: b.addressId,
  });
  const order = await timed(`${origin}/v1/orders`, "order", "POST", b.token, { quoteToken: quote.body.quoteToken });
  return { cartLine: line.ms, quote: quote.ms, order: order.ms, checkout: performance.now() - started };
}

/** Runs the flow at each buyer count in turn (the first `n` bench buyers each time). */
export async function measureCheckoutFlow(
  origin: string,
  options: { buyers: readonly number[]; durationSeconds: number },
): Promise<FlowRun[]> {
  const most = Math.max(...options.buyers);
  const [skuId, everyone] = await Promise.all([
    hotProduct(origin, "checkout flow"),
    Promise.all(Array.from({ length: most }, (_, i) => buyer(origin, i + 1))),
  ]);
  const runs: FlowRun[] = [];
  for (const count of options.buyers) {
    const buyers = everyone.slice(0, count);
    await Promise.allSettled(buyers.map((b) => checkout(origin, b, skuId)));
    const failureKinds: Record<string, number> = {};
    const samples: Sample[] = [];
    const started = performance.now();
    const deadline = started + options.durationSeconds * 1000;
    await Promise.all(
      buyers.map(async (b) => {
        while (performance.now() < deadline) {
          try {
            samples.push(await checkout(origin, b, skuId));
          } catch (err) {
            const kind = err instanceof StepFailure ? err.message : `error (${(err as Error).message})`;
            failureKinds[kind] = (failureKinds[kind] ?? 0) + 1;
            await sleep(100);
          }
        }
      }),
    );
    const wallSeconds = (performance.now() - started) / 1000;
    runs.push({
      buyers: count,
      durationSeconds: options.durationSeconds,
      wallSeconds: Math.round(wallSeconds * 100) / 100,
      orders: samples.length,
      ordersPerSecond: Math.round((samples.length / wallSeconds) * 10) / 10,
      failures: Object.values(failureKinds).reduce((a, b) => a + b, 0),
      failureKinds,
      latencyMs: {
        cartLine: percentiles(samples.map((s) => s.cartLine)),
        quote: percentiles(samples.map((s) => s.quote)),
        order: percentiles(samples.map((s) => s.order)),
        checkout: percentiles(samples.map((s) => s.checkout)),
      },
    });
  }
  return runs;
}

export function describeCheckoutFlow(runs: readonly FlowRun[]): string {
  const p = (label: string, x: Percentiles) => `${label} p50 ${x.p50} p99 ${x.p99} ms`;
  return runs
    .map((r) => {
      const failures = Object.entries(r.failureKinds)
        .map(([kind, n]) => `${kind} ×${n}`)
        .join(", ");
      const { cartLine, quote, order, checkout } = r.latencyMs;
      return (
        `${String(r.buyers).padStart(3)} buyers ${CHECKOUT_FLOW}: ${r.ordersPerSecond} orders/s (${r.orders} in ${r.wallSeconds} s), ` +
        `failures ${r.failures}${failures ? ` (${failures})` : ""}\n` +
        `    ${p("cart line", cartLine)}; ${p("quote", quote)}; ${p("order", order)}; ${p("whole checkout", checkout)}`
      );
    })
    .join("\n");
}
