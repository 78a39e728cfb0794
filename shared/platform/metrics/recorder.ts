/**
 * The one metrics interface every Worker records through. Each event goes two ways:
 * - to Workers Analytics Engine (`METRICS` binding), one data point per event, which is what
 *   Analytics Engine is built for (it samples at volume); local dev and tests drop these writes;
 * - into this isolate's buffer of per-minute counters (the readable rollup), flushed to D1 by a
 *   `waitUntil` at most `METRICS_FLUSH_MS` after the first buffered event, or at once when
 *   `METRICS_FLUSH_EVENTS` are buffered. Writes therefore scale with isolates × flushes, never with
 *   requests, and no single object takes a write per request.
 * A flush swaps the buffer out synchronously, so concurrent requests in one isolate never count an
 * event twice or lose one; a flush that fails puts its counts back for the next one.
 *
 * Analytics Engine data point layout (the SQL API's columns, see docs/metrics.md):
 *   blob1 kind (`route` | `queue` | `business`), blob2 worker, blob3 subject (route pattern, queue
 *   name, or business counter), blob4 detail (status class, queue outcome, currency);
 *   double1 count or amount, double2 latency in ms (routes), double3 HTTP status (routes);
 *   index1 `<worker>:<kind>` (the sampling key).
 */
import { type Db, dbOf } from "../db";
import { readEnv } from "../env";
import { errorFields, type Logger } from "../logger";
import { bucketField, bucketOf } from "./histogram";
import { addCounters, type CounterRow, type MetricKind } from "./rollup-repo";
import { type MetricsSettings, metricsEnvSchema } from "./settings";

const MINUTE_MS = 60_000;

/** What a queue consumer did with a message. */
export type QueueOutcome = "processed" | "retried" | "deadLettered";

/** The business counters (GMV per currency as `gmv_<CUR>`, in minor units). */
export type BusinessCounter =
  | "ordersCreated"
  | "ordersPaid"
  | "paymentsSucceeded"
  | "paymentsFailed"
  | "refunds"
  | `gmv_${string}`;

/** What a flush needs from the Worker it runs in. */
export interface MetricsTarget {
  /** The D1 database holding the rollup. */
  db: D1Database;
  /** Analytics Engine, when bound (production); absent in tests. */
  analytics?: AnalyticsEngineDataset;
  /** Keeps the flush alive after the response (`ctx.waitUntil`); absent, counts wait in the buffer. */
  waitUntil?: (promise: Promise<unknown>) => void;
  settings: MetricsSettings;
  log: Logger;
}

/** The metrics settings and bindings of a Worker's env. */
export function metricsTargetOf(
  env: { DB: D1Database; METRICS?: AnalyticsEngineDataset },
  log: Logger,
  waitUntil?: (promise: Promise<unknown>) => void,
): MetricsTarget {
  return { db: env.DB, analytics: env.METRICS, waitUntil, settings: readEnv(metricsEnvSchema, env), log };
}

/** One isolate's buffered counters for one Worker. */
export class IsolateMetrics {
  private buffer = new Map<string, CounterRow>();
  private events = 0;
  private timerArmed = false;

  constructor(readonly worker: string) {}

  /** One HTTP request answered by `route` (a pattern such as `GET /v1/products/:productId`). */
  request(target: MetricsTarget, route: string, status: number, durationMs: number, now: number): void {
    const statusClass = `${Math.floor(status / 100)}xx`;
    target.analytics?.writeDataPoint({
      blobs: ["route", this.worker, route, statusClass],
      doubles: [1, durationMs, status],
      indexes: [`${this.worker}:route`],
    });
    this.add(target, now, "route", route, {
      requests: 1,
      [`status_${statusClass}`]: 1,
      [bucketField(bucketOf(durationMs))]: 1,
    });
  }

  /** One message of `queue` processed, retried or dead-lettered. */
  queue(target: MetricsTarget, queue: string, outcome: QueueOutcome, now: number): void {
    target.analytics?.writeDataPoint({
      blobs: ["queue", this.worker, queue, outcome],
      doubles: [1],
      indexes: [`${this.worker}:queue`],
    });
    this.add(target, now, "queue", queue, { [outcome]: 1 });
  }

  /** A business fact: `amount` added to `counter` (1 for a count, minor units for GMV). */
  business(target: MetricsTarget, counter: BusinessCounter, amount: number, now: number): void {
    const [subject, currency] = counter.startsWith("gmv_") ? ["gmv", counter.slice(4)] : [counter, ""];
    target.analytics?.writeDataPoint({
      blobs: ["business", this.worker, subject, currency],
      doubles: [amount],
      indexes: [`${this.worker}:business`],
    });
    this.add(target, now, "business", "all", { [counter]: amount });
  }

  /** Writes the buffered counters to the rollup now (a no-op when empty). */
  async flush(db: Db, log: Logger): Promise<void> {
    const rows = [...this.buffer.values()];
    this.buffer = new Map();
    this.events = 0;
    if (rows.length === 0) return;
    try {
      await addCounters(db, rows);
    } catch (err) {
      // Keep the counts for the next flush rather than lose them (the batch is atomic).
      for (const row of rows) this.put(row);
      log.warn("metrics flush failed; counts kept for the next flush", { rows: rows.length, ...errorFields(err) });
    }
  }

  private add(target: MetricsTarget, now: number, kind: MetricKind, subject: string, fields: Record<string, number>) {
    if (target.settings.METRICS_ROLLUP === "off") return;
    const minute = now - (now % MINUTE_MS);
    for (const [field, value] of Object.entries(fields)) {
      this.put({ minute, worker: this.worker, kind, subject, field, value });
    }
    this.events += 1;
    this.schedule(target);
  }

  private put(row: CounterRow) {
    const key = `${row.minute}|${row.kind}|${row.subject}|${row.field}`;
    const held = this.buffer.get(key);
    if (held) held.value += row.value;
    else this.buffer.set(key, { ...row });
  }

  private schedule(target: MetricsTarget) {
    const { waitUntil, settings, log } = target;
    if (!waitUntil) return;
    const db = dbOf(target.db);
    if (this.events >= settings.METRICS_FLUSH_EVENTS) {
      waitUntil(this.flush(db, log));
      return;
    }
    if (this.timerArmed) return;
    this.timerArmed = true;
    const flushLater = new Promise<void>((resolve) => setTimeout(resolve, settings.METRICS_FLUSH_MS)).then(() => {
      this.timerArmed = false;
      return this.flush(db, log);
    });
    waitUntil(flushLater);
  }
}

const isolates = new Map<string, IsolateMetrics>();

/** This isolate's metrics for `worker` (one buffer per Worker name per isolate). */
export function metricsOf(worker: string): IsolateMetrics {
  let metrics = isolates.get(worker);
  if (!metrics) {
    metrics = new IsolateMetrics(worker);
    isolates.set(worker, metrics);
  }
  return metrics;
}

/** Flushes every Worker's buffer in this isolate (the admin read does it for its own; tests for all). */
export async function flushAllMetrics(db: Db, log: Logger): Promise<void> {
  for (const metrics of isolates.values()) await metrics.flush(db, log);
}
