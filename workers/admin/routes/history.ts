/** The operation log: who changed what. Sellers see their shop's entries, operators all. */
import { createRoute, z } from "@hono/zod-openapi";
import { listOperationLogs, operationLogSchema } from "../../../shared/catalog/history";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import { shopFilterFor } from "../../../shared/platform/shop-access";
import { listQuerySchema } from "../../../shared/platform/validation";
import type { AdminApp } from "../app";
import { operationLogExample } from "../examples";

const route = createRoute({
  method: "get",
  path: "/admin/v1/operation-logs",
  tags: ["history"],
  summary: "Operation log, newest first",
  description:
    "Every change to catalog, prices and stock with who made it, before and after, and the request id; filter " +
    "by `entityType` (product, sku, price, ...) and `entityId`. Sellers see their shop's.",
  security: [{ bearer: [] }],
  middleware: [requireRole("seller", "operator"), requireScope("catalog:read")] as const,
  request: {
    query: listQuerySchema.extend({
      entityType: z.string().min(1).max(32).optional(),
      entityId: z.string().min(1).max(64).optional(),
      shopId: z.string().min(1).optional().describe("Operators only"),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(operationLogSchema.openapi("OperationLog")), nextCursor: z.string().nullable() }),
      "Entries",
      { items: [operationLogExample], nextCursor: null },
    ),
    ...errorResponses(400, 401, 403, 404),
  },
});

export function registerHistoryRoutes(app: AdminApp): void {
  app.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const db = dbOf(c.env.DB);
    // A seller only ever sees its own shop; an operator any one, or all.
    const shopId = await shopFilterFor(db, callerOf(c), query.shopId);
    return c.json(await listOperationLogs(db, { ...query, shopId }), 200);
  });
}
