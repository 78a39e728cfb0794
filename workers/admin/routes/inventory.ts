/** Warehouses, transfers, safety stock, movements and alerts: the seller's inventory tools. */
import { createRoute, z } from "@hono/zod-openapi";
import { movementViewSchema } from "../../../shared/inventory/schemas";
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
  savedWarehouseSchema,
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
import { shopFilterFor, shopFor } from "../../../shared/platform/shop-access";
import { listQuerySchema } from "../../../shared/platform/validation";
import type { AdminApp } from "../app";
import { catalogDeps } from "../deps";
import {
  movementExample,
  SKU_ID,
  stockAlertExample,
  stockViewExample,
  WAREHOUSE_ID,
  warehouseExample,
} from "../examples";

const secured = { security: [{ bearer: [] as string[] }], tags: ["stock"] };
const readStock = { ...secured, middleware: [requireRole("seller", "operator"), requireScope("catalog:read")] };
const writeStock = { ...secured, middleware: [requireRole("seller", "operator"), requireScope("stock:write")] };
const skuParams = z.object({ skuId: z.string().min(1).max(64).openapi({ example: SKU_ID }) });
const newWarehouse = {
  warehouseId: "wh_01M8T8AJ6AVZ83FHM9SXQNHTFP",
  shopId: warehouseExample.shopId,
  name: "杭州备货仓",
  region: "CN-33",
  priority: 100,
  isDefault: false,
};

const routes = {
  listWarehouses: createRoute({
    ...readStock,
    method: "get",
    path: "/admin/v1/warehouses",
    summary: "The shop's warehouses in allocation order",
    description:
      "In the order reservations take them: lower `priority` first (ties: most stock); the default warehouse " +
      "receives stock when a request names none. Every warehouse of the shop comes in one page, so `nextCursor` " +
      "(there like on every list) is always null here.",
    request: { query: shopQuery },
    responses: {
      200: jsonResponse(
        z.object({
          items: z.array(warehouseSchema.openapi("Warehouse")),
          nextCursor: z.null().describe("Always null: the whole list is one page"),
        }),
        "Warehouses",
        { items: [warehouseExample, newWarehouse], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  createWarehouse: createRoute({
    ...writeStock,
    method: "post",
    path: "/admin/v1/warehouses",
    summary: "Add a warehouse (priority orders reservations: lower first, ties to most stock)",
    description:
      "`region` is where it ships from (ISO 3166-2, e.g. `CN-33`); `priority` defaults to 100; `isDefault` makes it " +
      "the shop's default warehouse. A new warehouse holds no stock, so one created as the default is answered (201, " +
      "created all the same) with a `warnings` entry `empty_default_warehouse`; `warnings` is empty otherwise.",
    request: {
      query: shopQuery,
      headers: idempotencyHeaders,
      body: jsonBody(warehouseBody, { example: { name: "杭州备货仓", region: "CN-33", priority: 100 } }),
    },
    responses: {
      201: jsonResponse(savedWarehouseSchema.openapi("SavedWarehouse"), "Created", { ...newWarehouse, warnings: [] }),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  updateWarehouse: createRoute({
    ...writeStock,
    method: "patch",
    path: "/admin/v1/warehouses/{warehouseId}",
    summary: "Rename a warehouse, change its priority or make it the default",
    description:
      "Only the fields given change; making one the default unmakes the previous default. Making a warehouse that " +
      "holds no stock (no available or reserved units in the stock projection) the default is done, and answered " +
      "with a `warnings` entry `empty_default_warehouse`: stock added without a warehouse would go there. " +
      "`isDefault: false` on the default is 409 `default_warehouse_required`.",
    request: {
      query: shopQuery,
      params: z.object({ warehouseId: z.string().min(1).max(64).openapi({ example: WAREHOUSE_ID }) }),
      body: jsonBody(updateWarehouseBody, { example: { priority: 10 } }),
    },
    responses: {
      200: jsonResponse(savedWarehouseSchema, "Updated", { ...warehouseExample, priority: 10, warnings: [] }),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  transfer: createRoute({
    ...writeStock,
    method: "post",
    path: "/admin/v1/skus/{skuId}/stock/transfers",
    summary: "Move available units of a SKU from one warehouse to another",
    description:
      "Moves available units between two of the shop's warehouses atomically (one movement each side); 409 when the " +
      "source has fewer available. With the same `Idempotency-Key` a retry moves them once.",
    request: {
      params: skuParams,
      headers: idempotencyHeaders,
      body: jsonBody(transferBody, {
        example: {
          fromWarehouseId: WAREHOUSE_ID,
          toWarehouseId: newWarehouse.warehouseId,
          quantity: 20,
          reason: "为双十一备货",
        },
      }),
    },
    responses: {
      200: jsonResponse(stockViewResponse, "The stock now", {
        ...stockViewExample,
        warehouses: [
          { warehouseId: WAREHOUSE_ID, available: 40, reserved: 0, sold: 0 },
          { warehouseId: newWarehouse.warehouseId, available: 20, reserved: 0, sold: 0 },
        ],
      }),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  safetyStock: createRoute({
    ...writeStock,
    method: "put",
    path: "/admin/v1/skus/{skuId}/safety-stock",
    summary: "Set the safety stock: available at or below it raises an alert (once per crossing)",
    description:
      "When available stock falls to the threshold, one alert is raised (GET /admin/v1/stock-alerts); 0 turns alerts off.",
    request: { params: skuParams, body: jsonBody(safetyStockBody, { example: { threshold: 10 } }) },
    responses: {
      200: jsonResponse(stockViewResponse.extend({ safetyStock: z.number().int() }), "The stock and threshold", {
        ...stockViewExample,
        safetyStock: 10,
      }),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  movements: createRoute({
    ...readStock,
    method: "get",
    path: "/admin/v1/skus/{skuId}/stock/movements",
    summary: "The SKU's stock movements, newest first (who, why, how many)",
    description:
      "The SKU object's append-only log: receive, count, write-off, reserve, confirm, release and transfer, each with " +
      "its warehouse, quantity, reason, actor, the available units after it and when (`createdAt`, ISO 8601; the " +
      "deprecated `at` is the same instant in epoch milliseconds), a page at a time (`cursor` = `nextCursor`).",
    request: { params: skuParams, query: listQuerySchema },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(movementViewSchema.openapi("StockMovement")), nextCursor: z.string().nullable() }),
        "Movements",
        { items: [movementExample], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  alerts: createRoute({
    ...readStock,
    method: "get",
    path: "/admin/v1/stock-alerts",
    summary: "Safety-stock alerts, newest first: the shop's, or every shop's for an operator naming none",
    description:
      "One alert each time a SKU's available stock fell to its safety stock (`PUT .../safety-stock`), naming the " +
      "shop, the product (`productName`) and the SKU (`skuName`, `sellerSkuCode`) as the catalog has them now. " +
      "Sellers see their shop's; operators every shop's, or one shop's with `shopId`. A page at a time.",
    request: {
      query: listQuerySchema.extend({
        shopId: z.string().min(1).optional().describe("Operators only: one shop's alerts (all shops when omitted)"),
      }),
    },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(stockAlertSchema.openapi("StockAlert")), nextCursor: z.string().nullable() }),
        "Alerts",
        { items: [stockAlertExample], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
};

export function registerInventoryRoutes(app: AdminApp): void {
  app.openapi(routes.listWarehouses, async (c) => {
    const db = requestDb(c, "first-primary");
    const shopId = await shopFor(db, callerOf(c), c.req.valid("query").shopId);
    return c.json({ ...(await listWarehouses(db, shopId)), nextCursor: null }, 200);
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
    c.json(await listMovements(catalogDeps(c), callerOf(c), c.req.valid("param").skuId, c.req.valid("query")), 200),
  );
  app.openapi(routes.alerts, async (c) => {
    const { shopId, ...page } = c.req.valid("query");
    const db = requestDb(c, "first-primary");
    // Operators naming no shop see every shop's alerts; sellers only ever their own.
    return c.json(await listStockAlerts(db, { shopId: await shopFilterFor(db, callerOf(c), shopId), ...page }), 200);
  });
}
