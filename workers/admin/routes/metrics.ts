/** Operators' metrics: golden signals per route, queue outcomes, business counters, and their series over time. */
import { createRoute } from "@hono/zod-openapi";
import { requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { flushAllMetrics } from "../../../shared/platform/metrics/recorder";
import {
  type MetricsSeries,
  metricsSeries,
  metricsSeriesQuerySchema,
  metricsSeriesSchema,
} from "../../../shared/platform/metrics/series";
import {
  type MetricsSummary,
  metricsQuerySchema,
  metricsSummary,
  metricsSummarySchema,
} from "../../../shared/platform/metrics/summary";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import type { AdminApp } from "../app";

const summaryExample: MetricsSummary = {
  window: 300,
  from: "2026-12-02T03:10:00.000Z",
  routes: [
    {
      worker: "storefront",
      route: "GET /v1/products",
      requests: 1840,
      errors: 3,
      statusClasses: { "2xx": 1837, "4xx": 2, "5xx": 1 },
      p50Ms: 20,
      p95Ms: 50,
      p99Ms: 100,
    },
    {
      worker: "storefront",
      route: "POST /v1/orders",
      requests: 212,
      errors: 4,
      statusClasses: { "2xx": 208, "4xx": 4 },
      p50Ms: 100,
      p95Ms: 200,
      p99Ms: 500,
    },
  ],
  business: {
    ordersCreated: 208,
    ordersPaid: 190,
    gmv: [{ amount: 1501000, currency: "CNY" }],
    paymentsSucceeded: 190,
    paymentsFailed: 6,
    paymentSuccessRate: 0.9693877551020408,
    refunds: 2,
  },
  queues: [
    { queue: "order-events", processed: 420, retried: 1, deadLettered: 0 },
    { queue: "payment-events", processed: 196, retried: 0, deadLettered: 0 },
  ],
  latencyBucketsMs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000],
};

const summaryRoute = createRoute({
  method: "get",
  path: "/admin/v1/metrics",
  tags: ["operations"],
  summary: "Golden signals, queue outcomes and business counters of the last `window` seconds",
  description:
    "Operators only. Read from the readable rollup that every Worker's isolates flush in batches (at most " +
    "`METRICS_FLUSH_MS`, 5 s by default, behind), at minute resolution. Percentiles are read from a latency " +
    "histogram (the upper bound of the bucket holding that rank). Production also has every data point in " +
    "Workers Analytics Engine (docs/metrics.md has the SQL API queries for the same numbers).",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { query: metricsQuerySchema },
  responses: {
    200: jsonResponse(metricsSummarySchema, "The summary", summaryExample),
    ...errorResponses(400, 401, 403),
  },
});

const seriesExample: MetricsSeries = {
  window: 180,
  step: 60,
  from: "2026-12-02T03:10:00.000Z",
  worker: "storefront",
  route: null,
  points: [
    { at: "2026-12-02T03:10:00.000Z", requests: 412, errors: 3, p99Ms: 100 },
    { at: "2026-12-02T03:11:00.000Z", requests: 0, errors: 0, p99Ms: null },
    { at: "2026-12-02T03:12:00.000Z", requests: 388, errors: 0, p99Ms: 200 },
    { at: "2026-12-02T03:13:00.000Z", requests: 96, errors: 1, p99Ms: 50 },
  ],
  business: [
    { at: "2026-12-02T03:10:00.000Z", ordersCreated: 12, ordersPaid: 11, gmv: [{ amount: 98000, currency: "CNY" }] },
    { at: "2026-12-02T03:11:00.000Z", ordersCreated: 0, ordersPaid: 0, gmv: [] },
    { at: "2026-12-02T03:12:00.000Z", ordersCreated: 9, ordersPaid: 9, gmv: [{ amount: 71100, currency: "CNY" }] },
    { at: "2026-12-02T03:13:00.000Z", ordersCreated: 2, ordersPaid: 1, gmv: [{ amount: 7900, currency: "CNY" }] },
  ],
};

const seriesRoute = createRoute({
  method: "get",
  path: "/admin/v1/metrics/series",
  tags: ["operations"],
  summary: "Requests, errors, p99 and business counters of the last `window` seconds, one point per `step`",
  description:
    "Operators only. The same rollup and histogram as `GET /admin/v1/metrics`: points start at the window's " +
    "first minute, one every `step` seconds up to the current minute, and add up to that summary's figures. " +
    "Every slot is listed, a slot without counts as zeros (p99 null). `worker` and `route` narrow the request " +
    "points; the business points are always the platform's. At most 1,441 points (a day per minute).",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { query: metricsSeriesQuerySchema },
  responses: {
    200: jsonResponse(metricsSeriesSchema, "The series", seriesExample),
    ...errorResponses(400, 401, 403),
  },
});

export function registerMetricsRoutes(app: AdminApp): void {
  app.openapi(summaryRoute, async (c) => {
    const db = dbOf(c.env.DB);
    // This isolate's own buffered counts first, so an operator's read is not a flush behind itself.
    await flushAllMetrics(db, c.var.log);
    return c.json(await metricsSummary(db, c.req.valid("query").window, c.var.clock.now()), 200);
  });
  app.openapi(seriesRoute, async (c) => {
    const db = dbOf(c.env.DB);
    await flushAllMetrics(db, c.var.log);
    return c.json(await metricsSeries(db, c.req.valid("query"), c.var.clock.now()), 200);
  });
}
