/** Operators' metrics summary: golden signals per route, queue outcomes, business counters. */
import { createRoute } from "@hono/zod-openapi";
import { requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { flushAllMetrics } from "../../../shared/platform/metrics/recorder";
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

export function registerMetricsRoutes(app: AdminApp): void {
  app.openapi(summaryRoute, async (c) => {
    const db = dbOf(c.env.DB);
    // This isolate's own buffered counts first, so an operator's read is not a flush behind itself.
    await flushAllMetrics(db, c.var.log);
    return c.json(await metricsSummary(db, c.req.valid("query").window, c.var.clock.now()), 200);
  });
}
