/** Operator tools: rebuild the search index (a job); adopt stock known only to the D1 projection into the SKU objects. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  getSearchRebuild,
  listSearchRebuilds,
  rebuildJobSchema,
  startRebuildBody,
  startSearchRebuild,
} from "../../../shared/catalog/search-rebuild";
import { adoptProjectedStock } from "../../../shared/inventory/stock-intake";
import { actorOf } from "../../../shared/platform/actor";
import { callerOf, requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { listQuerySchema } from "../../../shared/platform/validation";
import type { AdminApp } from "../app";
import { catalogDeps } from "../deps";

const adoptRoute = createRoute({
  method: "post",
  path: "/admin/v1/ops/stock/adopt-projection",
  tags: ["operations"],
  summary: "Move stock known only to the D1 projection (loaded by SQL) into the SKU objects",
  description:
    "Operators only. For SKUs whose stock was loaded into the D1 projection by SQL (the demo seed, a migration) " +
    "and whose Durable Object has none yet: gives each object that stock as its opening balance, `limit` SKUs a " +
    "call. `npm run dev` calls it after seeding. An object that already holds stock is left alone.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    body: jsonBody(z.object({ limit: z.number().int().min(1).max(1000).default(500) }).strict(), {
      example: { limit: 500 },
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ adopted: z.number().int(), remaining: z.number().int() }),
      "Call again while remaining > 0",
      { adopted: 500, remaining: 3120 },
    ),
    ...errorResponses(400, 401, 403),
  },
});

const operatorOnly = {
  tags: ["operations"],
  security: [{ bearer: [] as string[] }],
  middleware: [requireRole("operator")],
};

const rebuildJobExample = {
  jobId: "job_01M8T8AJ6AVZ83FHM9SXQNHTFP",
  status: "running" as const,
  missingOnly: false,
  chunkSize: 200,
  total: 2002,
  done: 800,
  progress: 800 / 2002,
  createdBy: "usr_00000000000000000000000001",
  createdAt: "2026-12-02T02:11:17.449Z",
  updatedAt: "2026-12-02T02:11:19.112Z",
  completedAt: null,
};

const rebuildSearchRoute = createRoute({
  ...operatorOnly,
  method: "post",
  path: "/admin/v1/ops/search/rebuild",
  summary: "Rebuild the search index as a job (202); poll it for progress",
  description:
    "Operators only. Starts a job that re-indexes every product (or, with `missingOnly`, those without a search " +
    "document: products loaded by SQL), `chunkSize` products per queue message in the events Worker, and answers " +
    "it at once (202, `Location` = the job). Poll `GET /admin/v1/ops/search/rebuild/{jobId}`: `done` of `total` " +
    "and `progress` move chunk by chunk until `status` is `completed`. The index is otherwise kept by the events " +
    "Worker from catalog events; jobs may run side by side (indexing is idempotent).",
  request: { body: jsonBody(startRebuildBody, { example: { missingOnly: false, chunkSize: 200 } }) },
  responses: {
    202: jsonResponse(rebuildJobSchema.openapi("SearchRebuildJob"), "Started; poll the job", {
      ...rebuildJobExample,
      status: "queued",
      done: 0,
      progress: 0,
      updatedAt: rebuildJobExample.createdAt,
    }),
    ...errorResponses(400, 401, 403),
  },
});

const rebuildJobParams = z.object({
  jobId: z.string().min(1).max(64).openapi({ example: rebuildJobExample.jobId }),
});

const getRebuildRoute = createRoute({
  ...operatorOnly,
  method: "get",
  path: "/admin/v1/ops/search/rebuild/{jobId}",
  summary: "A search rebuild job and its progress",
  description:
    "`status` `queued` → `running` → `completed`; `done` products indexed of the `total` counted at the start " +
    "(`progress` = done / total). A chunk that keeps failing is retried, then dead-lettered " +
    "(`GET /admin/v1/dead-letters`, replayable); the job waits at its place meanwhile.",
  request: { params: rebuildJobParams },
  responses: {
    200: jsonResponse(rebuildJobSchema, "The job", rebuildJobExample),
    ...errorResponses(400, 401, 403, 404),
  },
});

const listRebuildsRoute = createRoute({
  ...operatorOnly,
  method: "get",
  path: "/admin/v1/ops/search/rebuild",
  summary: "The newest search rebuild jobs",
  description: "The newest jobs first, a page at a time (`limit`, `cursor` = `nextCursor`), with their progress.",
  request: { query: listQuerySchema },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(rebuildJobSchema), nextCursor: z.string().nullable() }),
      "Jobs, newest first",
      { items: [rebuildJobExample], nextCursor: null },
    ),
    ...errorResponses(400, 401, 403),
  },
});

/** Registers the operations routes (`/admin/v1/ops/...`). */
export function registerOperationsRoutes(app: AdminApp): void {
  app.openapi(adoptRoute, async (c) =>
    c.json(await adoptProjectedStock(catalogDeps(c), c.req.valid("json").limit), 200),
  );
  app.openapi(rebuildSearchRoute, async (c) => {
    const job = await startSearchRebuild(catalogDeps(c), actorOf(callerOf(c)), c.req.valid("json"));
    c.header("Location", `/admin/v1/ops/search/rebuild/${job.jobId}`);
    return c.json(job, 202);
  });
  app.openapi(getRebuildRoute, async (c) =>
    c.json(await getSearchRebuild(dbOf(c.env.DB), c.req.valid("param").jobId), 200),
  );
  app.openapi(listRebuildsRoute, async (c) =>
    c.json(await listSearchRebuilds(dbOf(c.env.DB), c.req.valid("query")), 200),
  );
}
