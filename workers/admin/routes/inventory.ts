/** Warehouses, transfers, safety stock, movements and alerts: the seller's inventory tools. */
import { createRoute, z } from "@hono/zod-openapi";
import { movementSchema } from "../../../shared/inventory/schemas";
import {
  listMovements,
  listStockAlerts,
  safetyStockBody,
  setSafetyStock,
  stockAlertSchema,
  stockViewResponse,
  transferBetweenWarehouses,
  transferBody,
} from "../../../shared/inventory/stock-intake";
import {
  createWarehouse,
  listWarehouses,
  updateWarehouse,
  updateWarehouseBody,
  warehouseBody,
  warehouseSchema,
} from "../../../shared/inventory/warehouses";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import {
  errorResponses,
  idempotencyHeaders,
  jsonBody,
  jsonResponse,
  shopQuery,
} from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { shopFor } from "../../../shared/platform/shop-access";
import { limitSchema } from "../../../shared/platform/validation";
import type { AdminApp } from "../app";
import { catalogDeps } from "../deps";

const secured = { security: [{ bearer: [] as string[] }], tags: ["stock"] };
const readStock = { ...secured, middleware: [requireRole("seller", "operator"), requireScope("catalog:read")] };
const writeStock = { ...secured, middleware: [requireRole("seller", "operator"), requireScope("stock:write")] };
const skuParams = z.object({ skuId: z.string().min(1).max(64) });

const routes = {
  listWarehouses: createRoute({
    ...readStock,
    method: "get",
    path: "/admin/v1/warehouses",
    summary: "The shop's warehouses in allocation order",
    request: { query: shopQuery },
    responses: {
      200: jsonResponse(z.object({ items: z.array(warehouseSchema.openapi("Warehouse")) }), "Warehouses"),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  createWarehouse: createRoute({
    ...writeStock,
    method: "post",
    path: "/admin/v1/warehouses",
    summary: "Add a warehouse (priority orders reservations: lower first, ties to most stock)",
    request: { query: shopQuery, headers: idempotencyHeaders, body: jsonBody(warehouseBody) },
    responses: { 201: jsonResponse(warehouseSchema, "Created"), ...errorResponses(400, 401, 403, 404) },
  }),
  updateWarehouse: createRoute({
    ...writeStock,
    method: "patch",
    path: "/admin/v1/warehouses/{warehouseId}",
    summary: "Rename a warehouse, change its priority or make it the default",
    request: {
      query: shopQuery,
      params: z.object({ warehouseId: z.string().min(1).max(64) }),
      body: jsonBody(updateWarehouseBody),
    },
    responses: { 200: jsonResponse(warehouseSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  transfer: createRoute({
    ...writeStock,
    method: "post",
    path: "/admin/v1/skus/{skuId}/stock/transfers",
    summary: "Move available units of a SKU from one warehouse to another",
    request: { params: skuParams, headers: idempotencyHeaders, body: jsonBody(transferBody) },
    responses: { 200: jsonResponse(stockViewResponse, "The stock now"), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  safetyStock: createRoute({
    ...writeStock,
    method: "put",
    path: "/admin/v1/skus/{skuId}/safety-stock",
    summary: "Set the safety stock: available at or below it raises an alert (once per crossing)",
    request: { params: skuParams, body: jsonBody(safetyStockBody) },
    responses: {
      200: jsonResponse(stockViewResponse.extend({ safetyStock: z.number().int() }), "The stock and threshold"),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  movements: createRoute({
    ...readStock,
    method: "get",
    path: "/admin/v1/skus/{skuId}/stock/movements",
    summary: "The SKU's stock movements, newest first (who, why, how many)",
    request: { params: skuParams, query: z.object({ limit: limitSchema }) },
    responses: {
      200: jsonResponse(z.object({ items: z.array(movementSchema.openapi("StockMovement")) }), "Movements"),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  alerts: createRoute({
    ...readStock,
    method: "get",
    path: "/admin/v1/stock-alerts",
    summary: "Safety-stock alerts of the shop, newest first",
    request: { query: shopQuery.extend({ limit: limitSchema }) },
    responses: {
      200: jsonResponse(z.object({ items: z.array(stockAlertSchema.openapi("StockAlert")) }), "Alerts"),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
};

export function registerInventoryRoutes(app: AdminApp): void {
  app.openapi(routes.listWarehouses, async (c) => {
    const db = requestDb(c, "first-primary");
    const shopId = await shopFor(db, callerOf(c), c.req.valid("query").shopId);
    return c.json(await listWarehouses(db, shopId), 200);
  });
  app.openapi(routes.createWarehouse, async (c) => {
    const db = requestDb(c, "first-primary");
    const shopId = await shopFor(db, callerOf(c), c.req.valid("query").shopId);
    const created = await createWarehouse(db, shopId, c.req.valid("json"), c.var.clock.now());
    return c.json(created, 201);
  });
  app.openapi(routes.updateWarehouse, async (c) => {
    const db = requestDb(c, "first-primary");
    const shopId = await shopFor(db, callerOf(c), c.req.valid("query").shopId);
    const updated = await updateWarehouse(db, shopId, c.req.valid("param").warehouseId, c.req.valid("json"));
    return c.json(updated, 200);
  });
  app.openapi(routes.transfer, async (c) =>
    c.json(
      // A retried request (same Idempotency-Key) names the same op, so the object moves stock once.
      await transferBetweenWarehouses(
        catalogDeps(c),
        callerOf(c),
        c.req.valid("param").skuId,
        c.req.valid("json"),
        c.var.idempotency?.ref,
      ),
      200,
    ),
  );
  app.openapi(routes.safetyStock, async (c) =>
    c.json(
      await setSafetyStock(catalogDeps(c), callerOf(c), c.req.valid("param").skuId, c.req.valid("json").threshold),
      200,
    ),
  );
  app.openapi(routes.movements, async (c) =>
    c.json(
      await listMovements(catalogDeps(c), callerOf(c), c.req.valid("param").skuId, c.req.valid("query").limit),
      200,
    ),
  );
  app.openapi(routes.alerts, async (c) => {
    const { shopId, limit } = c.req.valid("query");
    const db = requestDb(c, "first-primary");
    return c.json(await listStockAlerts(db, await shopFor(db, callerOf(c), shopId), limit), 200);
  });
}
