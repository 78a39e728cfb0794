/**
 * Feeds (auto-sync): a shop's seller registers the URL of their external catalog (the seed's
 * product JSON, or a Shopify product CSV) and how often to read it; runs (feed-run.ts) apply what
 * changed as bulk jobs. Only the shop's own seller (or its API key with `bulk:write`) registers,
 * edits, runs or deletes a feed; operators may read every shop's. Another shop's feed is a 404.
 */
import { z } from "zod";
import { type Caller, callerSchema } from "../../platform/auth";
import { createdCursorSchema, decodeCursor, pageOf } from "../../platform/cursor";
import type { Db } from "../../platform/db";
import { AppError } from "../../platform/errors";
import { newId } from "../../platform/ids";
import { currencySchema } from "../../platform/money";
import { canAccessShop, ownShopOf, shopFilterFor } from "../../platform/shop-access";
import { invalidField, listQuerySchema } from "../../platform/validation";
import { checkFeedUrl } from "./feed-url";
import {
  deleteFeed,
  type FeedRow,
  type FeedRunRow,
  feedRows,
  findFeed,
  insertFeed,
  runRows,
  updateFeed,
} from "./feeds-repo";

/** The cron runs every five minutes: a shorter interval could not be kept. */
export const MIN_INTERVAL_MINUTES = 5;
export const MAX_INTERVAL_MINUTES = 7 * 24 * 60;
/** Runs shown with a feed (`GET /admin/v1/feeds/{feedId}`); the rest are paged at `.../runs`. */
const RECENT_RUNS = 5;

const feedFields = {
  url: z.string().trim().min(1).max(2048).describe("https only in production; a public host, no credentials"),
  format: z
    .enum(["json", "shopify_csv"])
    .describe("json: an array of products in the seed's shape; shopify_csv: a Shopify product export"),
  intervalMinutes: z.number().int().min(MIN_INTERVAL_MINUTES).max(MAX_INTERVAL_MINUTES),
  deleteMissing: z
    .boolean()
    .describe(
      "Delist SKUs the feed listed before and no longer lists (stock 0, the product off shelf); off by default",
    ),
  currency: currencySchema.nullable().describe("Currency of a Shopify CSV's prices; null for the shop's default"),
  enabled: z.boolean().describe("Whether the schedule runs it; a disabled feed can still be run now"),
};

export const createFeedBody = z
  .object({
    url: feedFields.url,
    format: feedFields.format,
    intervalMinutes: feedFields.intervalMinutes,
    deleteMissing: feedFields.deleteMissing.default(false),
    currency: feedFields.currency.optional(),
    enabled: feedFields.enabled.default(true),
  })
  .strict();
export type CreateFeedBody = z.infer<typeof createFeedBody>;

export const updateFeedBody = z
  .object({
    url: feedFields.url.optional(),
    format: feedFields.format.optional(),
    intervalMinutes: feedFields.intervalMinutes.optional(),
    deleteMissing: feedFields.deleteMissing.optional(),
    currency: feedFields.currency.optional(),
    enabled: feedFields.enabled.optional(),
  })
  .strict();
export type UpdateFeedBody = z.infer<typeof updateFeedBody>;

export const feedSummarySchema = z.object({
  items: z.number().int().describe("Products in the feed"),
  creates: z.number().int(),
  contentEdits: z.number().int(),
  priceChanges: z.number().int(),
  stockChanges: z.number().int(),
  delisted: z.number().int(),
  missing: z.number().int().describe("Codes listed before and gone now, kept because deleteMissing is off"),
  rejected: z.number().int().describe("Items that could not be matched; each is a failed row of the job"),
});

export const feedRunSchema = z.object({
  runId: z.string(),
  trigger: z.enum(["schedule", "manual"]),
  outcome: z
    .enum(["not_modified", "unchanged", "no_changes", "applied", "failed"])
    .describe(
      "not_modified: the origin answered 304; unchanged: the same body as the last applied; no_changes: nothing differs from the catalog; applied: the difference went to the bulk job `jobId`; failed: see `error`",
    ),
  httpStatus: z.number().int().nullable(),
  jobId: z.string().nullable().describe("The bulk job applying the difference (GET /admin/v1/bulk-jobs/{jobId})"),
  summary: feedSummarySchema.nullable(),
  error: z.object({ code: z.string(), detail: z.string() }).nullable(),
  createdAt: z.string(),
});
export type FeedRunView = z.infer<typeof feedRunSchema>;

export const feedSchema = z.object({
  feedId: z.string(),
  shopId: z.string(),
  url: z.string(),
  format: feedFields.format,
  intervalMinutes: z.number().int(),
  deleteMissing: z.boolean(),
  currency: z.string().nullable(),
  enabled: z.boolean(),
  nextRunAt: z.string(),
  runs: z
    .array(feedRunSchema)
    .describe(`The ${RECENT_RUNS} newest runs; every run at GET /admin/v1/feeds/{feedId}/runs`),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type FeedView = z.infer<typeof feedSchema>;

export const listFeedsQuery = listQuerySchema.extend({ shopId: z.string().min(1).max(64).optional() });

const iso = (ms: number) => new Date(ms).toISOString();

/** A run as its API answers it. */
export function runView(row: FeedRunRow): FeedRunView {
  return {
    runId: row.id,
    trigger: row.trigger,
    outcome: row.outcome,
    httpStatus: row.httpStatus,
    jobId: row.jobId,
    summary: row.summary === null ? null : feedSummarySchema.parse(JSON.parse(row.summary)),
    error: row.errorCode === null ? null : { code: row.errorCode, detail: row.errorDetail ?? "" },
    createdAt: iso(row.createdAt),
  };
}

function feedView(row: FeedRow, runs: FeedRunRow[]): FeedView {
  return {
    feedId: row.id,
    shopId: row.shopId,
    url: row.url,
    format: row.format,
    intervalMinutes: row.intervalMinutes,
    deleteMissing: row.deleteMissing,
    currency: row.currency,
    enabled: row.enabled,
    nextRunAt: iso(row.nextRunAt),
    runs: runs.map(runView),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

function checkedUrl(url: string, environment: string): string {
  const checked = checkFeedUrl(url, environment);
  if (!checked.ok) throw invalidField("url", checked.reason);
  return checked.url.toString();
}

/** A feed the caller may see (404 otherwise, and for another shop's). */
export async function visibleFeed(db: Db, caller: Caller, feedId: string): Promise<FeedRow> {
  const row = await findFeed(db, feedId);
  if (!row || !canAccessShop(caller, row.shopId)) throw new AppError("not_found", { detail: `No feed ${feedId}` });
  return row;
}

/** A feed the caller may change: its shop's own seller (or key); anyone else gets the same 404 as reading. */
export async function ownFeed(db: Db, caller: Caller, feedId: string): Promise<FeedRow> {
  const row = await visibleFeed(db, caller, feedId);
  if (row.shopId !== caller.shopId) throw new AppError("not_found", { detail: `No feed ${feedId}` });
  return row;
}

/** Registers a feed for the caller's shop; its first run is due at once. */
export async function registerFeed(
  deps: { db: Db; now: number; environment: string },
  caller: Caller,
  body: CreateFeedBody,
): Promise<FeedView> {
  const shopId = ownShopOf(caller, "Feeds sync a seller's shop");
  const now = deps.now;
  const row = {
    id: newId("feed", now),
    shopId,
    url: checkedUrl(body.url, deps.environment),
    format: body.format,
    currency: body.currency ?? null,
    intervalMinutes: body.intervalMinutes,
    deleteMissing: body.deleteMissing,
    enabled: body.enabled,
    // Runs act later, in the events Worker, with exactly these rights (user or key, scopes).
    credential: JSON.stringify(callerSchema.parse(caller)),
    createdBy: caller.userId,
    nextRunAt: now,
    createdAt: now,
    updatedAt: now,
  };
  await insertFeed(deps.db, row);
  return getFeed(deps.db, caller, row.id);
}

/** A feed with its newest runs. */
export async function getFeed(db: Db, caller: Caller, feedId: string): Promise<FeedView> {
  const row = await visibleFeed(db, caller, feedId);
  return feedView(row, (await runRows(db, row.id, undefined, RECENT_RUNS)).slice(0, RECENT_RUNS));
}

/** A page of feeds, newest first: a seller's shop's; operators all, or one shop's with `shopId`. */
export async function listFeeds(db: Db, caller: Caller, query: z.infer<typeof listFeedsQuery>) {
  const shopId = await shopFilterFor(db, caller, query.shopId);
  const cursor = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  const rows = await feedRows(db, { shopId, cursor, limit: query.limit });
  return pageOf(rows, query.limit, (row) => feedView(row, []));
}

/**
 * Changes a feed. A new URL, format, currency or deleteMissing forgets the origin's validators
 * and the last body's hash, so the next run reads and diffs the source in full; the codes listed
 * stay, so a seller moving a feed to a new address does not delist anything.
 */
export async function editFeed(
  deps: { db: Db; now: number; environment: string },
  caller: Caller,
  feedId: string,
  body: UpdateFeedBody,
): Promise<FeedView> {
  const row = await ownFeed(deps.db, caller, feedId);
  const url = body.url === undefined ? undefined : checkedUrl(body.url, deps.environment);
  const source = (url !== undefined && url !== row.url) || (body.format !== undefined && body.format !== row.format);
  const interval = body.intervalMinutes ?? row.intervalMinutes;
  await updateFeed(deps.db, row.id, {
    ...(url === undefined ? {} : { url }),
    ...(body.format === undefined ? {} : { format: body.format }),
    ...(body.intervalMinutes === undefined
      ? {}
      : { intervalMinutes: interval, nextRunAt: Math.min(row.nextRunAt, deps.now + interval * 60_000) }),
    ...(body.deleteMissing === undefined ? {} : { deleteMissing: body.deleteMissing }),
    ...(body.currency === undefined ? {} : { currency: body.currency }),
    ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
    // What the next body means changed: read and diff it in full even if it is the same body.
    ...(source || body.currency !== undefined || body.deleteMissing !== undefined
      ? { etag: null, lastModified: null, contentHash: null }
      : {}),
    updatedAt: deps.now,
  });
  return getFeed(deps.db, caller, row.id);
}

/** Deletes a feed and its runs; what it applied stays in the catalog. */
export async function removeFeed(db: Db, caller: Caller, feedId: string): Promise<void> {
  const row = await ownFeed(db, caller, feedId);
  await deleteFeed(db, row.id);
}

/** A page of a feed's runs, newest first. */
export async function listRuns(db: Db, caller: Caller, feedId: string, query: z.infer<typeof listQuerySchema>) {
  const row = await visibleFeed(db, caller, feedId);
  const cursor = query.cursor ? decodeCursor(createdCursorSchema, query.cursor) : undefined;
  return pageOf(await runRows(db, row.id, cursor, query.limit), query.limit, runView);
}
