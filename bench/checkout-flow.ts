/**
 * The whole checkout as shoppers make it (issue #21): each of `buyers` shoppers loops until the
 * duration is up over PUT /v1/cart/items/:skuId `{quantity: 1}` → POST /v1/checkout/quote
 * (that line, the bench address) → POST /v1/orders `{quoteToken}`, and the figure is orders per
 * second with the p50/p99 of each call. Run at 8 and 32 buyers (BENCH_FLOW_BUYERS=8,32), after
 * one untimed checkout per buyer warms the isolates up.
 *
 * Set up through the public APIs only: a product of one SKU of 1,000,000,000 units (as
 * bench/orders.ts does) and shoppers `benchflow<run>01`, `benchflow<run>02`, ... registered for
 * this run (RUN_TAG: a buyer's unpaid orders of earlier runs would slow its orders), with the bench
 * address. Orders stay unpaid; the local ORDER_HELD_UNITS_LIMIT (scripts/local.ts) lets them pile up.
 */
import {
  type Buyer,
  benchBuyer,
  type Percentiles,
  percentiles,
  RUN_TAG,
  StepFailure,
  sleep,
  timed,
} from "./lib/steps.ts";
import { hotProduct } from "./orders.ts";

export const CHECKOUT_FLOW = "checkout flow: cart line → quote → order";

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

interface Sample {
  cartLine: number;
  quote: number;
  order: number;
  checkout: number;
}

async function checkout(origin: string, b: Buyer, skuId: string): Promise<Sample> {
  const started = performance.now();
  const bearer = b.token;
  const line = await timed("cart line", `${origin}/v1/cart/items/${skuId}`, {
    method: "PUT",
    bearer,
    body: { quantity: 1 },
  });
  const quote = await timed<{ quoteToken: string }>("quote", `${origin}/v1/checkout/quote`, {
    method: "POST",
    bearer,
    body: { items: [{ skuId, quantity: 1 }], addressId: b.addressId },
  });
  const order = await timed("order", `${origin}/v1/orders`, {
    method: "POST",
    bearer,
    body: { quoteToken: quote.body.quoteToken },
  });
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
    Promise.all(
      Array.from({ length: most }, (_, i) =>
        benchBuyer(origin, `benchflow${RUN_TAG}${String(i + 1).padStart(2, "0")}`),
      ),
    ),
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
