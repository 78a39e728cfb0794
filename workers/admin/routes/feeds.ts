/** Feeds (auto-sync): register a shop's external catalog URL, read it with its runs, change it, run it now. */
import { createRoute, z } from "@hono/zod-openapi";
import { feedSettingsSchema } from "../../../shared/discovery/feeds/feed-fetch";
import { runFeed } from "../../../shared/discovery/feeds/feed-run";
import {
  createFeedBody,
  editFeed,
  feedRunSchema,
  feedSchema,
  getFeed,
  listFeeds,
  listFeedsQuery,
  listRuns,
  ownFeed,
  registerFeed,
  removeFeed,
  updateFeedBody,
} from "../../../shared/discovery/feeds/feeds";
import type { AppContext } from "../../../shared/platform/app-env";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { readEnv } from "../../../shared/platform/env";
import { AppError } from "../../../shared/platform/errors";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { listQuerySchema } from "../../../shared/platform/validation";
import type { AdminApp, AdminBindings } from "../app";

const secured = { security: [{ bearer: [] as string[] }], tags: ["feeds"] };
const write = [requireRole("seller"), requireScope("bulk:write")];
const read = [requireRole("seller", "operator"), requireScope("bulk:write")];
const FEED_ID = "fed_01JD3V8Q4Z6T0S8M2B7F9K1XQW";
const feedParams = z.object({ feedId: z.string().min(1).max(64).openapi({ example: FEED_ID }) });

const runExample: z.infer<typeof feedRunSchema> = {
  runId: "frn_01JD3V9A2B4C6D8E0F2G4H6J8K",
  trigger: "schedule",
  outcome: "applied",
  httpStatus: 200,
  jobId: "job_01JD3V9A2B4C6D8E0F2G4H6J8M",
  summary: {
    items: 120,
    creates: 2,
    contentEdits: 1,
    priceChanges: 5,
    stockChanges: 17,
    delisted: 0,
    missing: 1,
    rejected: 1,
  },
  error: null,
  createdAt: "2026-12-02T08:05:00.000Z",
};
const feedExample: z.infer<typeof feedSchema> = {
  feedId: FEED_ID,
  shopId: "shp_01JD3V8Q4Z6T0S8M2B7F9K1XQB",
  url: "https://erp.example.com/exports/catalog.json",
  format: "json",
  intervalMinutes: 60,
  deleteMissing: false,
  currency: null,
  enabled: true,
  nextRunAt: "2026-12-02T09:05:00.000Z",
  runs: [runExample],
  createdAt: "2026-12-01T10:00:00.000Z",
  updatedAt: "2026-12-01T10:00:00.000Z",
};

const HOW =
  "Each run fetches the URL with If-None-Match / If-Modified-Since from the last answer (a 304 costs no diff), " +
  "skips a body identical to the last one applied (SHA-256), and otherwise matches the feed's items to the shop's " +
  "SKUs by seller SKU code: an item whose codes the shop does not have is created as a bulk upload would create it " +
  "(DRAFT; a Shopify `active` product is submitted for review), a known one gets the name and description, standard " +
  "prices and stock that differ. The difference is one bulk job (progress and per-row errors at GET " +
  "/admin/v1/bulk-jobs/{jobId}); an item that cannot be matched is a failed row and the rest applies. Codes the feed " +
  "listed before and lists no more are delisted (stock 0, the product off shelf) only with `deleteMissing: true`. " +
  "URLs must be https on the default port to a public host (no private, loopback or link-local address, no " +
  "credentials); local development also takes http://localhost. A body is read for at most FEED_TIMEOUT_MS " +
  "(15 s) and FEED_MAX_BYTES (5 MiB). See docs/discovery.md.";

const routes = {
  create: createRoute({
    ...secured,
    middleware: write,
    method: "post",
    path: "/admin/v1/feeds",
    summary:
      "Register a feed: the URL of the shop's external catalog (seed JSON or Shopify CSV) and how often to sync it",
    description: `The shop's seller (or its API key with bulk:write). The first run is due at once (the events Worker's cron, every five minutes); POST /admin/v1/feeds/{feedId}/run runs it now. ${HOW}`,
    request: {
      headers: idempotencyHeaders,
      body: jsonBody(createFeedBody, {
        example: { url: feedExample.url, format: "json", intervalMinutes: 60, deleteMissing: false },
      }),
    },
    responses: {
      201: jsonResponse(feedSchema.openapi("Feed"), "Registered", { ...feedExample, runs: [] }),
      ...errorResponses(400, 401, 403, 409, 422),
    },
  }),
  list: createRoute({
    ...secured,
    middleware: read,
    method: "get",
    path: "/admin/v1/feeds",
    summary: "Feeds, newest first",
    description:
      "A seller's shop's feeds; operators see every shop's, or one shop's with `shopId`. Runs are listed per feed.",
    request: { query: listFeedsQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(feedSchema), nextCursor: z.string().nullable() }),
        "A page of feeds",
        { items: [{ ...feedExample, runs: [] }], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  get: createRoute({
    ...secured,
    middleware: read,
    method: "get",
    path: "/admin/v1/feeds/{feedId}",
    summary: "A feed with its newest runs and their bulk jobs",
    description: `Another shop's feed is 404 for a seller. ${HOW}`,
    request: { params: feedParams },
    responses: {
      200: jsonResponse(feedSchema, "The feed", feedExample),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  update: createRoute({
    ...secured,
    middleware: write,
    method: "patch",
    path: "/admin/v1/feeds/{feedId}",
    summary: "Change a feed's URL, format, interval, deleteMissing, currency or enabled",
    description:
      "The shop's own seller. A new URL, format, currency or deleteMissing reads the next body in full (the validators and hash are forgotten, so turning deleteMissing on applies to an unchanged feed); the codes the feed listed are kept, so moving a feed delists nothing.",
    request: {
      params: feedParams,
      body: jsonBody(updateFeedBody, { example: { intervalMinutes: 30, deleteMissing: true } }),
    },
    responses: {
      200: jsonResponse(feedSchema, "The changed feed", { ...feedExample, intervalMinutes: 30, deleteMissing: true }),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  remove: createRoute({
    ...secured,
    middleware: write,
    method: "delete",
    path: "/admin/v1/feeds/{feedId}",
    summary: "Delete a feed and its runs",
    description: "The shop's own seller. What the feed applied stays in the catalog; its bulk jobs stay readable.",
    request: { params: feedParams },
    responses: {
      200: jsonResponse(z.object({ feedId: z.string(), deleted: z.literal(true) }), "Deleted", {
        feedId: FEED_ID,
        deleted: true,
      }),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  run: createRoute({
    ...secured,
    middleware: write,
    method: "post",
    path: "/admin/v1/feeds/{feedId}/run",
    summary: "Run a feed now (fetch, diff, apply as a bulk job)",
    description: `The shop's own seller, for a disabled feed too; the schedule goes on from now. 409 \`feed_run_in_progress\` while another run of it or its last run's bulk job is still running. ${HOW}`,
    request: { params: feedParams, headers: idempotencyHeaders },
    responses: {
      202: jsonResponse(
        feedRunSchema.openapi("FeedRun"),
        "The run; an applied one's job proceeds in the events Worker",
        runExample,
      ),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  runs: createRoute({
    ...secured,
    middleware: read,
    method: "get",
    path: "/admin/v1/feeds/{feedId}/runs",
    summary: "A feed's runs, newest first, each with its outcome, counts and bulk job",
    description:
      "Every run the feed has had (scheduled or run now): not_modified and unchanged runs cost no diff; an applied run names its bulk job, whose rows say what each change did. Operators may read any shop's; another shop's feed is 404 for a seller.",
    request: { params: feedParams, query: listQuerySchema },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(feedRunSchema), nextCursor: z.string().nullable() }),
        "A page of runs",
        {
          items: [runExample],
          nextCursor: null,
        },
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
};

function feedDeps(c: AppContext<AdminBindings>) {
  const settings = readEnv(feedSettingsSchema, c.env);
  return {
    db: requestDb(c, "first-primary"),
    clock: c.var.clock,
    now: c.var.clock.now(),
    environment: settings.ENVIRONMENT,
    settings,
    producers: c.env,
    log: c.var.log,
    requestId: c.var.requestId,
  };
}

/** Registers the /admin/v1/feeds routes. */
export function registerFeedRoutes(app: AdminApp): void {
  app.openapi(routes.create, async (c) =>
    c.json(await registerFeed(feedDeps(c), callerOf(c), c.req.valid("json")), 201),
  );
  app.openapi(routes.list, async (c) =>
    c.json(await listFeeds(feedDeps(c).db, callerOf(c), c.req.valid("query")), 200),
  );
  app.openapi(routes.get, async (c) =>
    c.json(await getFeed(feedDeps(c).db, callerOf(c), c.req.valid("param").feedId), 200),
  );
  app.openapi(routes.update, async (c) =>
    c.json(await editFeed(feedDeps(c), callerOf(c), c.req.valid("param").feedId, c.req.valid("json")), 200),
  );
  app.openapi(routes.remove, async (c) => {
    const { feedId } = c.req.valid("param");
    await removeFeed(feedDeps(c).db, callerOf(c), feedId);
    return c.json({ feedId, deleted: true as const }, 200);
  });
  app.openapi(routes.run, async (c) => {
    const deps = feedDeps(c);
    const feed = await ownFeed(deps.db, callerOf(c), c.req.valid("param").feedId);
    const run = await runFeed(deps, feed, "manual");
    // A manual run finding the feed busy throws 409 itself; null is the cron's "skip".
    if (!run) throw new AppError("feed_run_in_progress", { detail: `Feed ${feed.id} is being run` });
    return c.json(run, 202);
  });
  app.openapi(routes.runs, async (c) =>
    c.json(await listRuns(feedDeps(c).db, callerOf(c), c.req.valid("param").feedId, c.req.valid("query")), 200),
  );
}
