/**
 * Feeds (auto-sync, SPEC §3 Discovery): a seller's external catalog at a URL, fetched on a
 * schedule and applied to the shop as a bulk job. The feed row keeps what makes an unchanged feed
 * cost nothing (the origin's validators and the body's hash) and which seller SKU codes it has
 * listed, so a feed only ever delists what it once listed itself.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { shops } from "./users";

/** One registered feed of a shop. */
export const feeds = sqliteTable(
  "feeds",
  {
    id: text("id").primaryKey(),
    shopId: text("shop_id")
      .notNull()
      .references(() => shops.id),
    url: text("url").notNull(),
    format: text("format", { enum: ["json", "shopify_csv"] }).notNull(),
    /** Currency of a Shopify CSV's prices (exports name none); null means the shop's default. */
    currency: text("currency"),
    intervalMinutes: integer("interval_minutes").notNull(),
    /** Whether codes that left the feed are delisted (stock 0, a listed product off shelf). */
    deleteMissing: integer("delete_missing", { mode: "boolean" }).notNull().default(false),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** JSON: the registering credential; runs act with exactly its rights, as bulk jobs do. */
    credential: text("credential").notNull(),
    createdBy: text("created_by").notNull(),
    /** The origin's validators from the last 200, sent back as If-None-Match / If-Modified-Since. */
    etag: text("etag"),
    lastModified: text("last_modified"),
    /** SHA-256 (hex) of the last body applied: an identical body changes nothing. */
    contentHash: text("content_hash"),
    /** JSON array of the seller SKU codes the feed has listed and not delisted. */
    listedCodes: text("listed_codes").notNull().default("[]"),
    nextRunAt: integer("next_run_at").notNull(),
    /** A run holds the feed until then, so two runs (cron and "run now") never diff at once. */
    leasedUntil: integer("leased_until"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("feeds_shop").on(t.shopId, t.createdAt), index("feeds_due").on(t.enabled, t.nextRunAt)],
);

/** One run of a feed: what the fetch found and the bulk job that applied the difference. */
export const feedRuns = sqliteTable(
  "feed_runs",
  {
    id: text("id").primaryKey(),
    feedId: text("feed_id").notNull(),
    shopId: text("shop_id").notNull(),
    trigger: text("trigger", { enum: ["schedule", "manual"] }).notNull(),
    /** not_modified (304), unchanged (same hash), no_changes (nothing to apply), applied (a job), failed. */
    outcome: text("outcome", { enum: ["not_modified", "unchanged", "no_changes", "applied", "failed"] }).notNull(),
    httpStatus: integer("http_status"),
    contentHash: text("content_hash"),
    jobId: text("job_id"),
    /** JSON: the difference's counts (creates, contentEdits, priceChanges, stockChanges, delisted, missing, rejected). */
    summary: text("summary"),
    errorCode: text("error_code"),
    errorDetail: text("error_detail"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("feed_runs_feed").on(t.feedId, t.createdAt)],
);
