/**
 * Rollup counters added up into the figures the operators read, one way for the window's totals
 * (summary.ts) and for each point of a series (series.ts): a route's requests, errors (4xx and
 * 5xx) and percentiles from its summed histogram; the business counters' GMV per currency.
 */
import type { z } from "@hono/zod-openapi";
import type { moneySchema } from "../money";
import { bucketIndexOfField, LATENCY_BOUNDS_MS, quantileOf } from "./histogram";

type Money = z.infer<typeof moneySchema>;

/** One route's counters summed over any number of minutes and isolates. */
export class RouteTally {
  private readonly fields = new Map<string, number>();
  private readonly buckets: number[] = new Array(LATENCY_BOUNDS_MS.length + 1).fill(0);

  add(field: string, value: number): void {
    const bucket = bucketIndexOfField(field);
    if (bucket !== null) this.buckets[bucket] = (this.buckets[bucket] ?? 0) + value;
    else this.fields.set(field, (this.fields.get(field) ?? 0) + value);
  }

  get requests(): number {
    return this.fields.get("requests") ?? 0;
  }

  /** Answers per status class (`2xx`, `5xx`), only the classes seen. */
  statusClasses(): Record<string, number> {
    return Object.fromEntries(
      [...this.fields].filter(([f]) => f.startsWith("status_")).map(([f, n]) => [f.slice("status_".length), n]),
    );
  }

  /** Answers with a 4xx or 5xx status. */
  get errors(): number {
    return (this.fields.get("status_4xx") ?? 0) + (this.fields.get("status_5xx") ?? 0);
  }

  /** The `q` quantile in ms (the bucket's upper bound), null without any request. */
  quantile(q: number): number | null {
    return quantileOf(this.buckets, q);
  }
}

/** Adds a counter to a map of business fields. */
export function addField(fields: Map<string, number>, field: string, value: number): void {
  fields.set(field, (fields.get(field) ?? 0) + value);
}

/** GMV per currency from the business fields (`gmv_CNY`), one entry per currency, by code. */
export function gmvOf(fields: ReadonlyMap<string, number>): Money[] {
  return [...fields]
    .filter(([field]) => field.startsWith("gmv_"))
    .map(([field, amount]) => ({ amount, currency: field.slice(4) as Money["currency"] }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
}
