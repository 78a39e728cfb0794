/** The metrics vars, parsed once per env (see shared/platform/env.ts). */
import { z } from "zod";

export const metricsEnvSchema = z.object({
  /**
   * Whether this Worker keeps the readable rollup (D1 `metric_counts`) that `GET /admin/v1/metrics`
   * reads. Analytics Engine gets every data point either way. Tests switch it off by default so
   * suites that count D1 statements or inject D1 faults never see a flush; metrics tests turn it on.
   */
  METRICS_ROLLUP: z.enum(["on", "off"]).default("on"),
  /** At most how long an isolate holds counts before flushing them (a `waitUntil` timer; < 30 s). */
  METRICS_FLUSH_MS: z.coerce.number().int().min(0).max(25_000).default(5_000),
  /** Or flush as soon as this many events are buffered, whichever comes first. */
  METRICS_FLUSH_EVENTS: z.coerce.number().int().positive().default(1_000),
});

export type MetricsSettings = z.infer<typeof metricsEnvSchema>;
