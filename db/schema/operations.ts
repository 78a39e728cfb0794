/**
 * Operations tables: the metrics rollup that `GET /admin/v1/metrics` reads (local dev and tests;
 * production reads Analytics Engine), and the degradation switches with their flip log.
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One counter of one minute: `value` is the sum of what every isolate flushed for (minute, worker,
 * kind, subject, field). Isolates add their batched counts with an upsert (`value = value + ?`),
 * so concurrent flushes never lose an increment. `kind` is `route` (subject `GET /v1/products`),
 * `queue` (subject the queue's name) or `business` (subject `all`); `field` is a counter name
 * (`requests`, `errors_5xx`, `processed`, `ordersPaid`, `gmv_CNY`) or a latency bucket (`le_100`).
 */
export const metricCounts = sqliteTable(
  "metric_counts",
  {
    /** Start of the minute, milliseconds since the epoch. */
    minute: integer("minute").notNull(),
    worker: text("worker").notNull(),
    kind: text("kind", { enum: ["route", "queue", "business"] }).notNull(),
    subject: text("subject").notNull(),
    field: text("field").notNull(),
    value: integer("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.worker, t.kind, t.subject, t.field] })],
);

/** A degradation switch's current state; a name without a row is on (its default). */
export const featureSwitches = sqliteTable("feature_switches", {
  name: text("name").primaryKey(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  reason: text("reason").notNull(),
  updatedBy: text("updated_by").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Every flip of a switch, with who flipped it and why (written in the same batch as the state). */
export const featureSwitchFlips = sqliteTable(
  "feature_switch_flips",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    reason: text("reason").notNull(),
    actor: text("actor").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("feature_switch_flips_name_at").on(t.name, t.at)],
);
