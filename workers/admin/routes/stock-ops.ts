/** Operator stock tools. */
import { createRoute, z } from "@hono/zod-openapi";
import { adoptProjectedStock } from "../../../shared/catalog/stock";
import { requireRole } from "../../../shared/platform/app";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import type { AdminApp } from "../app";
import { catalogDeps } from "./products";

const adoptRoute = createRoute({
  method: "post",
  path: "/admin/v1/ops/stock/adopt-projection",
  tags: ["operations"],
  summary: "Move stock known only to the D1 projection (loaded by SQL) into the SKU objects",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { body: jsonBody(z.object({ limit: z.number().int().min(1).max(1000).default(500) }).strict()) },
  responses: {
    200: jsonResponse(
      z.object({ adopted: z.number().int(), remaining: z.number().int() }),
      "Call again while remaining > 0",
    ),
    ...errorResponses(400, 401, 403),
  },
});

export function registerStockOpsRoutes(app: AdminApp): void {
  app.openapi(adoptRoute, async (c) =>
    c.json(await adoptProjectedStock(catalogDeps(c), c.req.valid("json").limit), 200),
  );
}
