/**
 * The operators' metrics over time (`GET /admin/v1/metrics/series`), read from the same rollup as
 * the totals: per slot of `step` seconds the requests, errors and p99 of every route (or of one
 * worker's, one route's) and the platform's business counters. Slots start at the window's first
 * minute, so a series adds up to the totals of the same window; a slot without counts is written
 * out as zeros (p99 null), so a chart's x axis is the window's whole span.
 */
import { z } from "@hono/zod-openapi";
import type { Db } from "../db";
import { moneySchema } from "../money";
import { countersPerSlotSince } from "./rollup-repo";
import { MINUTE_MS, metricsQuerySchema, windowStart } from "./summary";
import { addField, gmvOf, RouteTally } from "./tally";

/** Points a series may have: a day at one per minute, a week at one per seven minutes. */
export const MAX_POINTS = 1441;

export const metricsSeriesQuerySchema = metricsQuerySchema
  .extend({
    step: z.coerce
      .number()
      .int()
      .min(60)
      .max(86_400)
      .refine((s) => s % 60 === 0, "must be a whole number of minutes (a multiple of 60)")
      .default(60)
      .openapi({ description: "Seconds per point, a multiple of 60", example: 60 }),
    worker: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "Only this Worker's requests (`storefront`, `admin`)", example: "storefront" }),
    route: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: "Only this route's requests (method and pattern)", example: "POST /v1/orders" }),
  })
  .superRefine((q, ctx) => {
    if (Math.floor(q.window / q.step) + 1 > MAX_POINTS) {
      ctx.addIssue({
        code: "custom",
        path: ["step"],
        message: `gives more than ${MAX_POINTS} points over this window; use a step of at least ${Math.ceil(q.window / (MAX_POINTS - 1) / 60) * 60}`,
      });
    }
  });

export type MetricsSeriesQuery = z.infer<typeof metricsSeriesQuerySchema>;

const requestPointSchema = z.object({
  at: z.string().openapi({ description: "Start of the slot (ISO 8601)" }),
  requests: z.number().int(),
  errors: z.number().int().openapi({ description: "Answers with a 4xx or 5xx status" }),
  p99Ms: z.number().nullable().openapi({ description: "Upper bound of the histogram bucket; null without requests" }),
});

const businessPointSchema = z.object({
  at: z.string().openapi({ description: "Start of the slot (ISO 8601)" }),
  ordersCreated: z.number().int(),
  ordersPaid: z.number().int(),
  gmv: z.array(moneySchema).openapi({ description: "Paid order totals, one entry per currency; empty without any" }),
});

export const metricsSeriesSchema = z
  .object({
    window: z.number().int(),
    step: z.number().int().openapi({ description: "Seconds per point" }),
    from: z.string().openapi({ description: "Start of the first minute counted (ISO 8601)" }),
    worker: z.string().nullable().openapi({ description: "The Worker the requests are of; null: every Worker" }),
    route: z.string().nullable().openapi({ description: "The route the requests are of; null: every route" }),
    points: z.array(requestPointSchema).openapi({ description: "Requests per slot, oldest first, every slot" }),
    business: z
      .array(businessPointSchema)
      .openapi({ description: "The platform's business counters per slot (not filtered by worker or route)" }),
  })
  .openapi("MetricsSeries");

export type MetricsSeries = z.infer<typeof metricsSeriesSchema>;

/** The series of the `query.window` seconds before `now`. */
export async function metricsSeries(db: Db, query: MetricsSeriesQuery, now: number): Promise<MetricsSeries> {
  const from = windowStart(query.window, now);
  const stepMs = query.step * 1000;
  const [routeRows, businessRows] = await Promise.all([
    countersPerSlotSince(db, from, stepMs, { kind: "route", worker: query.worker, subject: query.route }),
    countersPerSlotSince(db, from, stepMs, { kind: "business" }),
  ]);
  const slots: number[] = [];
  for (let at = from; at <= now - (now % MINUTE_MS); at += stepMs) slots.push(at);

  const requests = new Map(slots.map((at) => [at, new RouteTally()]));
  for (const row of routeRows) requests.get(row.at)?.add(row.field, row.value);
  const business = new Map(slots.map((at) => [at, new Map<string, number>()]));
  for (const row of businessRows) {
    const fields = business.get(row.at);
    if (fields) addField(fields, row.field, row.value);
  }
  const iso = (at: number) => new Date(at).toISOString();
  return {
    window: query.window,
    step: query.step,
    from: iso(from),
    worker: query.worker ?? null,
    route: query.route ?? null,
    points: slots.map((at) => {
      const tally = requests.get(at) ?? new RouteTally();
      return { at: iso(at), requests: tally.requests, errors: tally.errors, p99Ms: tally.quantile(0.99) };
    }),
    business: slots.map((at) => {
      const fields = business.get(at) ?? new Map<string, number>();
      return {
        at: iso(at),
        ordersCreated: fields.get("ordersCreated") ?? 0,
        ordersPaid: fields.get("ordersPaid") ?? 0,
        gmv: gmvOf(fields),
      };
    }),
  };
}
