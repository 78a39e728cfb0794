/** Operator tools: rebuild the search index; adopt stock known only to the D1 projection into the SKU objects. */
import { createRoute, z } from "@hono/zod-openapi";
import { rebuildSearchIndex } from "../../../shared/catalog/indexer";
import { adoptProjectedStock } from "../../../shared/inventory/stock-intake";
import { requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
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

const rebuildSearchRoute = createRoute({
  method: "post",
  path: "/admin/v1/ops/search/rebuild",
  tags: ["operations"],
  summary: "Rebuild the search index, a page of products at a time (pass `after` from the previous answer)",
  description:
    "Operators only. Re-indexes `limit` products after the id `after` (start with null); call again with " +
    "`after` = the answer's `next` until it is null. `missingOnly` indexes only products without a search " +
    "document (products loaded by SQL). The index is otherwise kept by the events Worker from catalog events.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    body: jsonBody(
      z
        .object({
          after: z.string().min(1).nullable().default(null),
          limit: z.number().int().min(1).max(500).default(200),
          missingOnly: z.boolean().default(false).describe("Index only products that have no search document yet"),
        })
        .strict(),
      { example: { after: null, limit: 200, missingOnly: false } },
    ),
  },
  responses: {
    200: jsonResponse(
      z.object({ indexed: z.number().int(), next: z.string().nullable() }),
      "Call again with after = next until next is null",
      { indexed: 200, next: "spu_00000000000000000000001200" },
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
    const { after, limit, missingOnly } = c.req.valid("json");
    return c.json(await rebuildSearchIndex(dbOf(c.env.DB), c.var.clock.now(), after, limit, missingOnly), 200);
  });
}
