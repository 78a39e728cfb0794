import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { consumeBatch, type Handlers } from "../../shared/events/consumer";
import { consumerMetrics } from "../../shared/events/consumer-metrics";
import { makeEvent } from "../../shared/events/messages";
import { inventoryOf } from "../../shared/inventory/binding";
import { orderStoreOf } from "../../shared/orders/order-store";
import { systemClock } from "../../shared/platform/clock";
import { dbOf } from "../../shared/platform/db";
import { AppError } from "../../shared/platform/errors";
import { newId } from "../../shared/platform/ids";
import { createLogger } from "../../shared/platform/logger";
import { bucketField, bucketOf, LATENCY_BOUNDS_MS, quantileOf } from "../../shared/platform/metrics/histogram";
import { routeLabelOf } from "../../shared/platform/metrics/middleware";
import { flushAllMetrics, IsolateMetrics, metricsTargetOf } from "../../shared/platform/metrics/recorder";
import {
  addCounters,
  type CounterRow,
  purgeCountersBefore,
  ROLLUP_RETENTION_MS,
} from "../../shared/platform/metrics/rollup-repo";
import type { MetricsSeries } from "../../shared/platform/metrics/series";
import { type MetricsSummary, metricsSummary } from "../../shared/platform/metrics/summary";
import { DEMO, tokenFor } from "../helpers/callers";
import { countingD1, type Trip } from "../helpers/counting-d1";
import { ORIGIN } from "../helpers/http";
import platform from "../platform-worker";

const log = createLogger({ test: "metrics" });
const db = dbOf(env.DB);

/** The test env with the rollup on (the suite's default is off, see test/wrangler.test.toml). */
function rollupEnv(overrides: Record<string, unknown> = {}) {
  return { ...env, METRICS_ROLLUP: "on", METRICS_FLUSH_MS: "1000", METRICS_FLUSH_EVENTS: "100000", ...overrides };
}

async function summary(): Promise<MetricsSummary> {
  await flushAllMetrics(db, log);
  return metricsSummary(db, 3600, Date.now());
}

function routeOf(s: MetricsSummary, worker: string, route: string) {
  return s.routes.find((r) => r.worker === worker && r.route === route);
}

describe("latency histogram", () => {
  it("puts a duration in the first bucket whose bound holds it, the slowest in the open bucket", () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1)).toBe(0);
    expect(bucketOf(1.5)).toBe(1);
    expect(bucketOf(100)).toBe(LATENCY_BOUNDS_MS.indexOf(100));
    expect(bucketOf(101)).toBe(LATENCY_BOUNDS_MS.indexOf(200));
    expect(bucketOf(60_000)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it("reads p50/p95/p99 as the upper bound of the bucket holding that rank", () => {
    const counts = new Array(LATENCY_BOUNDS_MS.length + 1).fill(0);
    counts[bucketOf(15)] = 90; // 90 answers in (10, 20]
    counts[bucketOf(80)] = 9; // 9 in (50, 100]
    counts[bucketOf(700)] = 1; // 1 in (500, 1000]
    expect(quantileOf(counts, 0.5)).toBe(20);
    expect(quantileOf(counts, 0.9)).toBe(20);
    expect(quantileOf(counts, 0.95)).toBe(100);
    expect(quantileOf(counts, 0.99)).toBe(100);
    expect(quantileOf(counts, 1)).toBe(1000);
    expect(quantileOf(new Array(counts.length).fill(0), 0.5)).toBeNull();
  });
});

describe("route labels", () => {
  it("names the handler's pattern, not the raw path, and unmatched paths as one series", () => {
    expect(
      routeLabelOf("GET", [
        { method: "ALL", path: "*" },
        { method: "GET", path: "/v1/products/:productId" },
      ]),
    ).toBe("GET /v1/products/:productId");
    expect(routeLabelOf("GET", [{ method: "ALL", path: "/admin/v1/*" }])).toBe("unmatched");
  });
});

describe("route metrics through the platform", () => {
  it("counts a known burst exactly, by route pattern and status class, flushed in a batch rather than per request", async () => {
    const before = await summary();
    const trips: Trip[] = [];
    const testEnv = rollupEnv({ DB: countingD1(env.DB, trips) });
    const ctx = createExecutionContext();
    const get = (path: string) => platform.fetch(new Request(`${ORIGIN}${path}`), testEnv as never, ctx);
    const answers = await Promise.all([
      ...Array.from({ length: 37 }, () => get("/v1/health")),
      ...Array.from({ length: 5 }, (_, i) => get(`/v1/no-such-thing-${i}`)),
      ...Array.from({ length: 3 }, () => get("/admin/v1/whoami")), // 401 without a token
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([
      ...new Array(37).fill(200),
      ...new Array(3).fill(401),
      ...new Array(5).fill(404),
    ]);
    await waitOnExecutionContext(ctx); // the flush timers
    const flushes = trips.filter((t) => t.what.includes('insert into "metric_c'));
    expect(flushes.length).toBeGreaterThan(0);
    expect(flushes.length).toBeLessThanOrEqual(4); // one per Worker buffer (storefront, admin), not per request

    const after = await summary();
    const delta = (worker: string, route: string) => {
      const a = routeOf(after, worker, route);
      const b = routeOf(before, worker, route);
      return {
        requests: (a?.requests ?? 0) - (b?.requests ?? 0),
        errors: (a?.errors ?? 0) - (b?.errors ?? 0),
        "2xx": (a?.statusClasses["2xx"] ?? 0) - (b?.statusClasses["2xx"] ?? 0),
        "4xx": (a?.statusClasses["4xx"] ?? 0) - (b?.statusClasses["4xx"] ?? 0),
      };
    };
    expect(delta("storefront", "GET /v1/health")).toEqual({ requests: 37, errors: 0, "2xx": 37, "4xx": 0 });
    expect(delta("storefront", "unmatched")).toEqual({ requests: 5, errors: 5, "2xx": 0, "4xx": 5 });
    expect(delta("admin", "GET /admin/v1/whoami")).toEqual({ requests: 3, errors: 3, "2xx": 0, "4xx": 3 });
    const health = routeOf(after, "storefront", "GET /v1/health");
    expect(LATENCY_BOUNDS_MS).toContain(health?.p99Ms);
  });

  it("serves the summary to operators at GET /admin/v1/metrics, percentiles read from the summed histogram", async () => {
    // Two isolates' worth of latencies for one route, flushed separately: the rollup adds them up.
    const target = metricsTargetOf(rollupEnv() as never, log);
    const route = `GET /v1/latency-probe/${newId("request")}`;
    const first = new IsolateMetrics("probe");
    const second = new IsolateMetrics("probe");
    for (let i = 0; i < 60; i++) first.request(target, route, 200, 15, Date.now()); // (10, 20]
    for (let i = 0; i < 30; i++) second.request(target, route, 200, 40, Date.now()); // (20, 50]
    for (let i = 0; i < 8; i++) second.request(target, route, 500, 150, Date.now()); // (100, 200]
    for (let i = 0; i < 2; i++) first.request(target, route, 503, 4000, Date.now()); // (2000, 5000]
    await first.flush(db, log);
    await second.flush(db, log);

    const res = await platform.fetch(
      new Request(`${ORIGIN}/admin/v1/metrics?window=600`, {
        headers: { authorization: `Bearer ${await tokenFor(DEMO.operator)}` },
      }),
      env as never,
      createExecutionContext(),
    );
    const body = (await res.json()) as MetricsSummary;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.window).toBe(600);
    expect(routeOf(body, "probe", route)).toEqual({
      worker: "probe",
      route,
      requests: 100,
      errors: 10,
      statusClasses: { "2xx": 90, "5xx": 10 },
      p50Ms: 20,
      p95Ms: 200,
      p99Ms: 5000,
    });
  });

  it("refuses the summary to sellers and validates the window", async () => {
    const ask = async (caller: typeof DEMO.seller1 | typeof DEMO.operator, query: string) =>
      platform.fetch(
        new Request(`${ORIGIN}/admin/v1/metrics${query}`, {
          headers: { authorization: `Bearer ${await tokenFor(caller)}` },
        }),
        env as never,
        createExecutionContext(),
      );
    expect((await ask(DEMO.seller1, "")).status).toBe(403);
    expect((await ask(DEMO.operator, "?window=5")).status).toBe(400);
  });
});

describe("queue and business metrics", () => {
  it("counts each message's outcome once: processed (and duplicates), retried, dead-lettered", async () => {
    const before = await summary();
    const target = metricsTargetOf(rollupEnv() as never, log);
    const isolate = new IsolateMetrics("events");
    const metrics = consumerMetrics(isolate, target, systemClock);
    const canary = (canaryId: string) => makeEvent("platform.canary", { canaryId, queue: "order-events" }, Date.now());
    const ok = canary(newId("canary"));
    const flaky = canary(`flaky-${newId("canary")}`);
    const fatal = canary(`fatal-${newId("canary")}`);
    const message = (body: unknown) => ({ id: newId("request"), timestamp: new Date(), attempts: 1, body });
    const handlers = {
      "platform.canary": async (event: { data: { canaryId: string } }) => {
        if (event.data.canaryId.startsWith("flaky-")) throw new Error("D1 hiccup");
        if (event.data.canaryId.startsWith("fatal-")) throw new AppError("not_found", { detail: "gone" });
      },
    } as unknown as Handlers<"order-events">;
    const deps = {
      db,
      orders: orderStoreOf(env, systemClock),
      clock: systemClock,
      log,
      producers: env,
      inventory: inventoryOf(env),
      adapters: {},
      metrics,
    };
    const first = createMessageBatch("order-events", [
      message(ok),
      message(flaky),
      message(fatal),
      message({ bad: 1 }),
    ]);
    await consumeBatch("order-events", first, handlers, deps);
    const redelivery = createMessageBatch("order-events", [message(ok)]); // the inbox skips it
    await consumeBatch("order-events", redelivery, handlers, deps);
    const firstResult = await getQueueResult(first, createExecutionContext());
    expect(firstResult.explicitAcks.length).toBe(3);
    expect(firstResult.retryMessages.length).toBe(1);

    await isolate.flush(db, log);
    const after = await summary();
    const of = (s: MetricsSummary) => s.queues.find((q) => q.queue === "order-events");
    expect({
      processed: (of(after)?.processed ?? 0) - (of(before)?.processed ?? 0),
      retried: (of(after)?.retried ?? 0) - (of(before)?.retried ?? 0),
      deadLettered: (of(after)?.deadLettered ?? 0) - (of(before)?.deadLettered ?? 0),
    }).toEqual({ processed: 2, retried: 1, deadLettered: 2 });
  });

  it("reads orders, GMV per currency, the payment success rate and refunds off the facts handled", async () => {
    const before = (await summary()).business;
    const target = metricsTargetOf(rollupEnv() as never, log);
    const isolate = new IsolateMetrics("events");
    const metrics = consumerMetrics(isolate, target, systemClock);
    const now = Date.now();
    const created = makeEvent(
      "order.created",
      { payOrderId: "pay_1", userId: "usr_1", orderIds: ["ord_a", "ord_b"], payAmount: 15000, currency: "CNY" },
      now,
    );
    const paid = (orderId: string, amount: number, currency: "CNY" | "USD") =>
      makeEvent(
        "order.paid",
        {
          orderId,
          payOrderId: "pay_1",
          paymentId: "pmt_1",
          userId: "usr_1",
          shopId: "shp_1",
          kind: "physical",
          total: { amount, currency },
        },
        now,
      );
    const provider = (type: string) =>
      makeEvent("payment.provider_event", { provider: "sandbox", providerEventId: newId("request"), type }, now);
    for (const event of [
      created,
      paid("ord_a", 10000, "CNY"),
      paid("ord_b", 5000, "CNY"),
      paid("ord_c", 999, "USD"),
      provider("payment_intent.succeeded"),
      provider("payment_intent.succeeded"),
      provider("payment_intent.succeeded"),
      provider("payment_intent.payment_failed"),
      provider("charge.refunded"),
      makeEvent("refund.requested", { refundId: "rfd_1", orderId: "ord_a", reason: "damaged" }, now),
    ]) {
      metrics.handled(event);
    }
    await isolate.flush(db, log);
    const after = (await summary()).business;
    const gmv = (b: MetricsSummary["business"], currency: string) =>
      b.gmv.find((m) => m.currency === currency)?.amount ?? 0;
    expect({
      ordersCreated: after.ordersCreated - before.ordersCreated,
      ordersPaid: after.ordersPaid - before.ordersPaid,
      gmvCny: gmv(after, "CNY") - gmv(before, "CNY"),
      gmvUsd: gmv(after, "USD") - gmv(before, "USD"),
      succeeded: after.paymentsSucceeded - before.paymentsSucceeded,
      failed: after.paymentsFailed - before.paymentsFailed,
      refunds: after.refunds - before.refunds,
    }).toEqual({ ordersCreated: 2, ordersPaid: 3, gmvCny: 15000, gmvUsd: 999, succeeded: 3, failed: 1, refunds: 1 });
    expect(after.paymentSuccessRate).toBe(after.paymentsSucceeded / (after.paymentsSucceeded + after.paymentsFailed));
  });

  it("keeps the counts of a failed flush for the next one", async () => {
    const target = metricsTargetOf(rollupEnv() as never, log);
    const metrics = new IsolateMetrics("flaky-flush");
    const route = `GET /v1/kept/${newId("request")}`;
    for (let i = 0; i < 4; i++) metrics.request(target, route, 200, 3, Date.now());
    const broken = dbOf({
      ...env.DB,
      batch: () => Promise.reject(new Error("D1 is overloaded")),
      prepare: (sql: string) => env.DB.prepare(sql),
    } as unknown as D1Database);
    await metrics.flush(broken, log);
    expect(routeOf(await summary(), "flaky-flush", route)).toBeUndefined();
    await metrics.flush(db, log);
    expect(routeOf(await summary(), "flaky-flush", route)?.requests).toBe(4);
  });
});

describe("metrics over time", () => {
  const minute = (ms: number) => ms - (ms % 60_000);
  /** The counters of `count` answers of one route at one minute, each `ms` long with `status`. */
  const answers = (at: number, worker: string, route: string, count: number, status: number, ms: number) =>
    ["requests", `status_${String(status)[0]}xx`, bucketField(bucketOf(ms))].map(
      (field): CounterRow => ({ minute: at, worker, kind: "route", subject: route, field, value: count }),
    );
  const series = async (caller: typeof DEMO.seller1 | typeof DEMO.operator, query: string) =>
    platform.fetch(
      new Request(`${ORIGIN}/admin/v1/metrics/series?${query}`, {
        headers: { authorization: `Bearer ${await tokenFor(caller)}` },
      }),
      env as never,
      createExecutionContext(),
    );

  it("answers each minute's requests, errors and p99 as written, an empty minute as zeros, business counters per minute", async () => {
    const worker = `series-${newId("request")}`;
    const t0 = minute(Date.now() - 20 * 60_000);
    const at = (i: number) => t0 + i * 60_000;
    await addCounters(db, [
      // Minute 0: 99 fast answers and one slow failure, so p99 is still the fast bucket.
      ...answers(at(0), worker, "GET /a", 99, 200, 15),
      ...answers(at(0), worker, "POST /b", 1, 503, 4000),
      // Minute 1: nothing. Minute 2: 10 of 100 slow, so p99 is the slow bucket; two routes add up.
      ...answers(at(2), worker, "GET /a", 60, 200, 15),
      ...answers(at(2), worker, "POST /b", 30, 404, 15),
      ...answers(at(2), worker, "POST /b", 10, 200, 400),
      // Another worker's traffic at the same minutes: not in this worker's series.
      ...answers(at(0), `${worker}-other`, "GET /a", 7, 500, 9000),
      { minute: at(0), worker: "events", kind: "business", subject: "all", field: "ordersCreated", value: 4 },
      { minute: at(0), worker: "events", kind: "business", subject: "all", field: "ordersPaid", value: 3 },
      { minute: at(0), worker: "events", kind: "business", subject: "all", field: "gmv_CNY", value: 23700 },
      { minute: at(0), worker: "events", kind: "business", subject: "all", field: "gmv_USD", value: 999 },
      { minute: at(2), worker: "events", kind: "business", subject: "all", field: "ordersCreated", value: 1 },
    ]);

    const res = await series(DEMO.operator, `window=3600&step=60&worker=${worker}`);
    const body = (await res.json()) as MetricsSeries;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ window: 3600, step: 60, worker, route: null });
    expect(body.points.length).toBe(61); // every minute of the hour, the current one included
    expect(body.points[0]?.at).toBe(body.from);
    const point = (i: number) => body.points.find((p) => p.at === new Date(at(i)).toISOString());
    expect(point(0)).toEqual({ at: new Date(at(0)).toISOString(), requests: 100, errors: 1, p99Ms: 20 });
    expect(point(1)).toEqual({ at: new Date(at(1)).toISOString(), requests: 0, errors: 0, p99Ms: null });
    expect(point(2)).toEqual({ at: new Date(at(2)).toISOString(), requests: 100, errors: 30, p99Ms: 500 });
    expect(body.points.reduce((n, p) => n + p.requests, 0)).toBe(200);
    const business = (i: number) => body.business.find((p) => p.at === new Date(at(i)).toISOString());
    expect(business(0)).toEqual({
      at: new Date(at(0)).toISOString(),
      ordersCreated: 4,
      ordersPaid: 3,
      gmv: [
        { amount: 23700, currency: "CNY" },
        { amount: 999, currency: "USD" },
      ],
    });
    expect(business(1)).toEqual({ at: new Date(at(1)).toISOString(), ordersCreated: 0, ordersPaid: 0, gmv: [] });
    expect(business(2)?.ordersCreated).toBe(1);

    // One route of the worker, five minutes a point: the points add up to the totals of the window.
    const route = await series(
      DEMO.operator,
      `window=3600&step=300&worker=${worker}&route=${encodeURIComponent("POST /b")}`,
    );
    const narrowed = (await route.json()) as MetricsSeries;
    expect(route.status, JSON.stringify(narrowed)).toBe(200);
    expect(narrowed.points.length).toBe(13);
    expect(
      narrowed.points
        .map((p) => p.requests)
        .filter((n) => n > 0)
        .reduce((n, m) => n + m, 0),
    ).toBe(41);
    const totals = await metricsSummary(db, 3600, Date.now());
    expect(routeOf(totals, worker, "POST /b")?.requests).toBe(41);
    expect(Math.max(...narrowed.points.map((p) => p.p99Ms ?? 0))).toBe(routeOf(totals, worker, "POST /b")?.p99Ms);
  });

  it("is for operators only and bounds the window and the step", async () => {
    expect((await series(DEMO.seller1, "window=3600")).status).toBe(403);
    const refused = async (query: string) => {
      const res = await series(DEMO.operator, query);
      const problem = (await res.json()) as { code: string; errors?: { field: string }[] };
      expect(res.status, JSON.stringify(problem)).toBe(400);
      return JSON.stringify(problem);
    };
    expect(await refused("window=3600&step=90")).toContain("step");
    expect(await refused("window=604800&step=60")).toContain("step");
    expect(await refused("window=30")).toContain("window");
    expect((await series(DEMO.operator, "window=604800&step=420")).status).toBe(200);
  });
});

describe("rollup retention", () => {
  it("the cron drops minutes older than a week and keeps the rest", async () => {
    const worker = `retention-${newId("request")}`;
    const now = Date.now();
    const minute = (ms: number) => ms - (ms % 60_000);
    await addCounters(db, [
      {
        minute: minute(now - ROLLUP_RETENTION_MS - 120_000),
        worker,
        kind: "route",
        subject: "GET /old",
        field: "requests",
        value: 3,
      },
      { minute: minute(now - 3_600_000), worker, kind: "route", subject: "GET /recent", field: "requests", value: 5 },
    ]);
    await purgeCountersBefore(db, now - ROLLUP_RETENTION_MS);
    const left = await env.DB.prepare("SELECT subject, value FROM metric_counts WHERE worker = ?").bind(worker).all();
    expect(left.results).toEqual([{ subject: "GET /recent", value: 5 }]);
  });
});
