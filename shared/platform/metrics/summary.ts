/**
 * The operators' summary (`GET /admin/v1/metrics`) read from the rollup: per route requests, errors
 * (4xx and 5xx, with every status class), p50/p95/p99 from the summed histogram; per queue its
 * outcomes; the business counters with GMV per currency and the payment success rate. Minute
 * resolution: a window covers every minute that started within it, the current one included.
 */
import { z } from "@hono/zod-openapi";
import type { Db } from "../db";
import { moneySchema } from "../money";
import { bucketIndexOfField, LATENCY_BOUNDS_MS, quantileOf } from "./histogram";
import { countersSince } from "./rollup-repo";

const MINUTE_MS = 60_000;

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
  const fromMs = now - windowSeconds * 1000;
  const fromMinute = fromMs - (fromMs % MINUTE_MS);
  const rows = await countersSince(db, fromMinute);

  const routes = new Map<string, { worker: string; route: string; fields: Map<string, number>; buckets: number[] }>();
  const queues = new Map<string, Map<string, number>>();
  const business = new Map<string, number>();
  for (const row of rows) {
    if (row.kind === "route") {
      const key = `${row.worker} ${row.subject}`;
      let route = routes.get(key);
      if (!route) {
        route = { worker: row.worker, route: row.subject, fields: new Map(), buckets: [] };
        routes.set(key, route);
      }
      const bucket = bucketIndexOfField(row.field);
      if (bucket !== null) route.buckets[bucket] = (route.buckets[bucket] ?? 0) + row.value;
      else route.fields.set(row.field, (route.fields.get(row.field) ?? 0) + row.value);
    } else if (row.kind === "queue") {
      const fields = queues.get(row.subject) ?? new Map<string, number>();
      fields.set(row.field, (fields.get(row.field) ?? 0) + row.value);
      queues.set(row.subject, fields);
    } else {
      business.set(row.field, (business.get(row.field) ?? 0) + row.value);
    }
  }

  const succeeded = business.get("paymentsSucceeded") ?? 0;
  const failed = business.get("paymentsFailed") ?? 0;
  return {
    window: windowSeconds,
    from: new Date(fromMinute).toISOString(),
    routes: [...routes.values()]
      .map(({ worker, route, fields, buckets }) => {
        const counts = Array.from({ length: LATENCY_BOUNDS_MS.length + 1 }, (_, i) => buckets[i] ?? 0);
        const statusClasses = Object.fromEntries(
          [...fields].filter(([f]) => f.startsWith("status_")).map(([f, n]) => [f.slice("status_".length), n]),
        );
        return {
          worker,
          route,
          requests: fields.get("requests") ?? 0,
          errors: (statusClasses["4xx"] ?? 0) + (statusClasses["5xx"] ?? 0),
          statusClasses,
          p50Ms: quantileOf(counts, 0.5),
          p95Ms: quantileOf(counts, 0.95),
          p99Ms: quantileOf(counts, 0.99),
        };
      })
      .sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route)),
    business: {
      ordersCreated: business.get("ordersCreated") ?? 0,
      ordersPaid: business.get("ordersPaid") ?? 0,
      gmv: [...business]
        .filter(([field]) => field.startsWith("gmv_"))
        .map(([field, amount]) => ({ amount, currency: field.slice(4) as z.infer<typeof moneySchema>["currency"] }))
        .sort((a, b) => a.currency.localeCompare(b.currency)),
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
