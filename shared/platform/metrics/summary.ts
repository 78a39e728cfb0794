/**
 * The operators' summary (`GET /admin/v1/metrics`) read from the rollup: per route requests, errors
 * (4xx and 5xx, with every status class), p50/p95/p99 from the summed histogram; per queue its
 * outcomes; the business counters with GMV per currency and the payment success rate. Minute
 * resolution: a window covers every minute that started within it, the current one included.
 */
import { z } from "@hono/zod-openapi";
import type { Db } from "../db";
import { moneySchema } from "../money";
import { LATENCY_BOUNDS_MS } from "./histogram";
import { countersSince } from "./rollup-repo";
import { addField, gmvOf, RouteTally } from "./tally";

export const MINUTE_MS = 60_000;

/** The start of the first minute a window of `windowSeconds` before `now` counts. */
export function windowStart(windowSeconds: number, now: number): number {
  const fromMs = now - windowSeconds * 1000;
  return fromMs - (fromMs % MINUTE_MS);
}

export const metricsQuerySchema = z.object({
  window: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(300)
    .openapi({ description: "Seconds back from now (minute resolution)", example: 300 }),
});

const routeMetricsSchema = z.object({
  worker: z.string(),
  route: z.string().openapi({ description: "Method and route pattern, or `unmatched`" }),
  requests: z.number().int(),
  errors: z.number().int().openapi({ description: "Answers with a 4xx or 5xx status" }),
  statusClasses: z.record(z.string(), z.number().int()).openapi({ description: "Answers per status class" }),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
});

const queueMetricsSchema = z.object({
  queue: z.string(),
  processed: z.number().int(),
  retried: z.number().int(),
  deadLettered: z.number().int(),
});

export const metricsSummarySchema = z
  .object({
    window: z.number().int(),
    from: z.string().openapi({ description: "Start of the first minute counted (ISO 8601)" }),
    routes: z.array(routeMetricsSchema),
    business: z.object({
      ordersCreated: z.number().int(),
      ordersPaid: z.number().int(),
      gmv: z.array(moneySchema).openapi({ description: "Paid order totals, one entry per currency" }),
      paymentsSucceeded: z.number().int(),
      paymentsFailed: z.number().int(),
      paymentSuccessRate: z
        .number()
        .nullable()
        .openapi({ description: "Succeeded ÷ (succeeded + failed) payment attempts; null without any" }),
      refunds: z.number().int().openapi({ description: "Refunds requested" }),
    }),
    queues: z.array(queueMetricsSchema),
    latencyBucketsMs: z.array(z.number()).openapi({ description: "The histogram's bucket upper bounds" }),
  })
  .openapi("MetricsSummary");

export type MetricsSummary = z.infer<typeof metricsSummarySchema>;

/** The summary of the `windowSeconds` before `now`. */
export async function metricsSummary(db: Db, windowSeconds: number, now: number): Promise<MetricsSummary> {
  const fromMinute = windowStart(windowSeconds, now);
  const rows = await countersSince(db, fromMinute);

  const routes = new Map<string, { worker: string; route: string; tally: RouteTally }>();
  const queues = new Map<string, Map<string, number>>();
  const business = new Map<string, number>();
  for (const row of rows) {
    if (row.kind === "route") {
      const key = `${row.worker} ${row.subject}`;
      let route = routes.get(key);
      if (!route) {
        route = { worker: row.worker, route: row.subject, tally: new RouteTally() };
        routes.set(key, route);
      }
      route.tally.add(row.field, row.value);
    } else if (row.kind === "queue") {
      const fields = queues.get(row.subject) ?? new Map<string, number>();
      addField(fields, row.field, row.value);
      queues.set(row.subject, fields);
    } else {
      addField(business, row.field, row.value);
    }
  }

  const succeeded = business.get("paymentsSucceeded") ?? 0;
  const failed = business.get("paymentsFailed") ?? 0;
  return {
    window: windowSeconds,
    from: new Date(fromMinute).toISOString(),
    routes: [...routes.values()]
      .map(({ worker, route, tally }) => ({
        worker,
        route,
        requests: tally.requests,
        errors: tally.errors,
        statusClasses: tally.statusClasses(),
        p50Ms: tally.quantile(0.5),
        p95Ms: tally.quantile(0.95),
        p99Ms: tally.quantile(0.99),
      }))
      .sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route)),
    business: {
      ordersCreated: business.get("ordersCreated") ?? 0,
      ordersPaid: business.get("ordersPaid") ?? 0,
      gmv: gmvOf(business),
      paymentsSucceeded: succeeded,
      paymentsFailed: failed,
      paymentSuccessRate: succeeded + failed === 0 ? null : succeeded / (succeeded + failed),
      refunds: business.get("refunds") ?? 0,
    },
    queues: [...queues]
      .map(([queue, fields]) => ({
        queue,
        processed: fields.get("processed") ?? 0,
        retried: fields.get("retried") ?? 0,
        deadLettered: fields.get("deadLettered") ?? 0,
      }))
      .sort((a, b) => a.queue.localeCompare(b.queue)),
    latencyBucketsMs: [...LATENCY_BOUNDS_MS],
  };
}
