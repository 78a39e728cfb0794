/**
 * Pay → PAID through the sandbox provider (issue #13): how long a shopper waits, after pressing
 * Pay on the hosted page, until the platform shows the pay order PAID, while `buyers` (16) shoppers
 * pay at once.
 *
 * Set up through the public APIs only: seller1 lists a product with one SKU of 1,000,000,000 units
 * (as bench/orders.ts does); each buyer is a shopper `benchpay01`, `benchpay02`, ... registered with
 * POST /v1/auth/register on the first run (409 `username_taken` on later runs: the account is
 * reused), logged in with POST /v1/auth/login, with the bench address in its book.
 *
 * Then each buyer loops until the duration is up: POST /v1/orders (one unit) → POST
 * /v1/pay-orders/:id/pay `{method: "sandbox"}` (with an Idempotency-Key) → POST
 * /sandbox/pay/:paymentId/succeed (what the page's Pay button posts) → GET /v1/pay-orders/:id every
 * 20 ms until `paymentStatus` is PAID. Between the last two the sandbox's alarm signs and sends the
 * `payment_intent.succeeded` webhook, the payments-webhook Worker verifies and stores it and puts it
 * on `payment-events`, and the events Worker's consumer applies it; that consumer's batching
 * (`max_batch_size`, `max_batch_timeout` in workers/events/wrangler.toml, read and reported here)
 * sets how long a message may wait for its batch. A payment not PAID 30 s after its succeed call,
 * or that ends in another status, is a failure; so is any step answering other than 2xx.
 * One untimed payment per buyer first warms the isolates up.
 */
import { readFileSync } from "node:fs";
import { type Buyer, benchBuyer, type Percentiles, percentiles, StepFailure, sleep, timed } from "./lib/steps.ts";
import { hotProduct } from "./orders.ts";

export const PAYMENTS = "payments: pay → PAID through the sandbox";

const POLL_MS = 20;
const PAID_TIMEOUT_MS = 30_000;
export interface PaymentResults {
  buyers: number;
  durationSeconds: number;
  /** From the first timed order to the last buyer's last answer (a payment started before the end is finished). */
  wallSeconds: number;
  completed: number;
  paymentsPerSecond: number;
  failures: number;
  /** Of the failures, payments not PAID within 30 s of their succeed call. */
  timedOut: number;
  /** Failures by step and answer, e.g. `pay 409 payment_in_progress`, `poll FAILED`. */
  failureKinds: Record<string, number>;
  /** The first 20 payments that were not PAID in time, to look up (GET /sandbox/deliveries?objectId=). */
  timedOutPayments: { payOrderId: string; paymentId: string; intentId: string }[];
  pollIntervalMs: number;
  /** The events Worker's consumer of `payment-events` (null: not set, Cloudflare's default applies). */
  paymentEventsConsumer: { maxBatchSize: number | null; maxBatchTimeoutSeconds: number | null };
  latencyMs: {
    /** The succeed call sent → the first GET /v1/pay-orders/:id showing PAID (webhook + queue + apply). */
    succeedToPaid: Percentiles;
    /** POST /v1/pay-orders/:id/pay, request to answer. */
    pay: Percentiles;
    /** POST /v1/orders sent → PAID seen: the whole purchase. */
    orderToPaid: Percentiles;
    /** POST /v1/orders and POST /sandbox/pay/:id/succeed, request to answer. */
    order: Percentiles;
    succeed: Percentiles;
    /**
     * Of (a): the sandbox's own record of the webhook (GET /sandbox/deliveries, up to the 500
     * newest): event stored by the succeed call → the webhook Worker's 200 (verified, stored, on the
     * queue). The rest of (a) is the queue, the consumer applying it and the poll.
     */
    webhookDelivered: Percentiles;
  };
}

/** The `payment-events` consumer's batching as configured for the events Worker. */
export function paymentEventsConsumer(
  config = "workers/events/wrangler.toml",
): PaymentResults["paymentEventsConsumer"] {
  const toml = readFileSync(config, "utf8");
  for (const block of toml.split("[[queues.consumers]]").slice(1)) {
    const body = block.split(/\n\[/)[0] ?? "";
    if (!/^queue\s*=\s*"payment-events"\s*$/m.test(body)) continue;
    const number = (key: string) => {
      const m = new RegExp(`^${key}\\s*=\\s*([0-9.]+)`, "m").exec(body);
      return m?.[1] ? Number(m[1]) : null;
    };
    return { maxBatchSize: number("max_batch_size"), maxBatchTimeoutSeconds: number("max_batch_timeout") };
  }
  return { maxBatchSize: null, maxBatchTimeoutSeconds: null };
}

interface Sample {
  intentId: string;
  orderMs: number;
  payMs: number;
  succeedMs: number;
  succeedToPaidMs: number;
  orderToPaidMs: number;
}

/** One purchase, order to PAID seen; throws a StepFailure naming the step that failed. */
async function purchase(origin: string, b: Buyer, skuId: string, attempt: string): Promise<Sample> {
  const started = performance.now();
  const order = await timed<{ payOrderId: string }>("order", `${origin}/v1/orders`, {
    method: "POST",
    bearer: b.token,
    body: { items: [{ skuId, quantity: 1 }], addressId: b.addressId },
  });
  const { payOrderId } = order.body;
  const pay = await timed<{ paymentId: string; redirectUrl: string }>(
    "pay",
    `${origin}/v1/pay-orders/${payOrderId}/pay`,
    {
      method: "POST",
      bearer: b.token,
      body: { method: "sandbox" },
      headers: { "idempotency-key": `bench-pay-${attempt}` },
    },
  );
  const succeedSent = performance.now();
  const succeed = await timed("succeed", `${origin}/sandbox/pay/${pay.body.paymentId}/succeed`, { method: "POST" });
  for (;;) {
    const view = await timed<{ paymentStatus: string }>("poll", `${origin}/v1/pay-orders/${payOrderId}`, {
      bearer: b.token,
    });
    const seen = performance.now();
    const status = view.body.paymentStatus;
    if (status === "PAID") {
      return {
        intentId: pay.body.redirectUrl.split("/").at(-1) ?? "",
        orderMs: order.ms,
        payMs: pay.ms,
        succeedMs: succeed.ms,
        succeedToPaidMs: seen - succeedSent,
        orderToPaidMs: seen - started,
      };
    }
    if (status !== "PENDING") throw new StepFailure(`poll ${status}`);
    if (seen - succeedSent > PAID_TIMEOUT_MS) {
      const intentId = pay.body.redirectUrl.split("/").at(-1) ?? "";
      throw new StepFailure("not PAID within 30 s", { payOrderId, paymentId: pay.body.paymentId, intentId });
    }
    await sleep(POLL_MS);
  }
}

/** Webhook delivery times (created → answered 2xx) of these intents' `payment_intent.succeeded`, from the sandbox's log. */
async function webhookDeliveries(origin: string, intents: Set<string>): Promise<number[]> {
  const res = await fetch(`${origin}/sandbox/deliveries?eventType=payment_intent.succeeded&status=delivered&limit=500`);
  if (!res.ok) return [];
  const { items } = (await res.json()) as {
    items: { objectId: string; copy: number; createdAt: string; finishedAt: string | null }[];
  };
  return items
    .filter((d) => d.copy === 0 && d.finishedAt && intents.has(d.objectId))
    .map((d) => Date.parse(d.finishedAt ?? "") - Date.parse(d.createdAt));
}

/** Runs the measurement: `buyers` shoppers each paying in a loop for `durationSeconds`. */
export async function measurePayments(
  origin: string,
  options: { buyers?: number; durationSeconds: number },
): Promise<PaymentResults> {
  const count = options.buyers ?? 16;
  const run = Date.now().toString(36);
  const [skuId, buyers] = await Promise.all([
    hotProduct(origin, "payments"),
    Promise.all(
      Array.from({ length: count }, (_, i) => benchBuyer(origin, `benchpay${String(i + 1).padStart(2, "0")}`)),
    ),
  ]);

  const failureKinds: Record<string, number> = {};
  const timedOutPayments: PaymentResults["timedOutPayments"] = [];
  const fail = (err: unknown) => {
    const kind = err instanceof StepFailure ? err.kind : `error (${(err as Error).message})`;
    failureKinds[kind] = (failureKinds[kind] ?? 0) + 1;
    if (err instanceof StepFailure && err.payment && timedOutPayments.length < 20) timedOutPayments.push(err.payment);
  };
  const attempt = (b: Buyer, i: number | string) => `${run}-${b.username}-${i}`;

  // Warm-up: one untimed purchase per buyer, all at once.
  const warm = await Promise.allSettled(buyers.map((b) => purchase(origin, b, skuId, attempt(b, "warm"))));
  const warmFailed = warm.filter((w) => w.status === "rejected").length;
  if (warmFailed > 0) console.log(`  (warm-up: ${warmFailed} of ${count} purchases failed)`);

  const samples: Sample[] = [];
  const started = performance.now();
  const deadline = started + options.durationSeconds * 1000;
  await Promise.all(
    buyers.map(async (b) => {
      for (let i = 0; performance.now() < deadline; i++) {
        try {
          samples.push(await purchase(origin, b, skuId, attempt(b, i)));
        } catch (err) {
          fail(err);
          // A refusal that repeats must not spin: a short pause before the next purchase.
          await sleep(100);
        }
      }
    }),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const failures = Object.values(failureKinds).reduce((a, b) => a + b, 0);
  const delivered = await webhookDeliveries(origin, new Set(samples.map((s) => s.intentId)));
  return {
    buyers: count,
    durationSeconds: options.durationSeconds,
    wallSeconds: Math.round(wallSeconds * 100) / 100,
    completed: samples.length,
    paymentsPerSecond: Math.round((samples.length / wallSeconds) * 10) / 10,
    failures,
    timedOut: failureKinds["not PAID within 30 s"] ?? 0,
    failureKinds,
    timedOutPayments,
    pollIntervalMs: POLL_MS,
    paymentEventsConsumer: paymentEventsConsumer(),
    latencyMs: {
      succeedToPaid: percentiles(samples.map((s) => s.succeedToPaidMs)),
      pay: percentiles(samples.map((s) => s.payMs)),
      orderToPaid: percentiles(samples.map((s) => s.orderToPaidMs)),
      order: percentiles(samples.map((s) => s.orderMs)),
      succeed: percentiles(samples.map((s) => s.succeedMs)),
      webhookDelivered: percentiles(delivered),
    },
  };
}

/** The bench's console lines for the measurement. */
export function describePayments(r: PaymentResults): string {
  const line = (label: string, p: Percentiles) =>
    `  ${label.padEnd(44)} p50 ${p.p50} ms  p95 ${p.p95} ms  p99 ${p.p99} ms  max ${p.max} ms`;
  const { maxBatchSize, maxBatchTimeoutSeconds } = r.paymentEventsConsumer;
  const failures = Object.entries(r.failureKinds)
    .map(([kind, n]) => `${kind} ×${n}`)
    .join(", ");
  return [
    `\n${String(r.buyers).padStart(3)} buyers ${PAYMENTS.padEnd(50)} ${String(r.paymentsPerSecond).padStart(6)} payments/s  ` +
      `(${r.completed} PAID in ${r.wallSeconds} s)  failures ${r.failures} (not PAID within 30 s: ${r.timedOut})` +
      (failures ? `: ${failures}` : ""),
    line("(a) succeed sent → PAID seen", r.latencyMs.succeedToPaid),
    line("(b) POST /v1/pay-orders/:id/pay", r.latencyMs.pay),
    line("(c) POST /v1/orders sent → PAID seen", r.latencyMs.orderToPaid),
    line("POST /v1/orders", r.latencyMs.order),
    line("POST /sandbox/pay/:id/succeed", r.latencyMs.succeed),
    line(
      `of (a): webhook stored → 200 (sandbox log, n=${r.latencyMs.webhookDelivered.count})`,
      r.latencyMs.webhookDelivered,
    ),
    `  PAID is polled every ${r.pollIntervalMs} ms (after each answer), so a figure is up to one poll late; ` +
      `payment-events consumer: max_batch_size ${maxBatchSize ?? "default"}, max_batch_timeout ` +
      `${maxBatchTimeoutSeconds ?? "default"} s (workers/events/wrangler.toml)`,
  ].join("\n");
}
