/** Sellers' orders (their shop's only) and shipping templates; operators name the shop or see all. */
import { createRoute, z } from "@hono/zod-openapi";
import {
  getTemplate,
  putTemplate,
  shippingTemplateBody,
  shippingTemplateSchema,
} from "../../../shared/checkout/shipping";
import {
  getOrder,
  listOrders,
  listOrdersQuery,
  type OrderScope,
  orderIdParam,
  orderSchema,
} from "../../../shared/orders/orders";
import type { AppContext } from "../../../shared/platform/app-env";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { errorResponses, jsonBody, jsonResponse, shopQuery } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { shopFilterFor, shopFor } from "../../../shared/platform/shop-access";
import type { AdminApp, AdminBindings } from "../app";

const secured = { security: [{ bearer: [] as string[] }] };
const readOrders = {
  ...secured,
  tags: ["orders"],
  middleware: [requireRole("seller", "operator"), requireScope("orders:read")],
};

const routes = {
  list: createRoute({
    ...readOrders,
    method: "get",
    path: "/admin/v1/orders",
    summary: "The shop's orders, newest first (operators: all, or one shop with shopId)",
    request: { query: listOrdersQuery.extend(shopQuery.shape) },
    responses: {
      200: jsonResponse(z.object({ items: z.array(orderSchema), nextCursor: z.string().nullable() }), "Orders"),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  get: createRoute({
    ...readOrders,
    method: "get",
    path: "/admin/v1/orders/{orderId}",
    summary: "One of the shop's orders",
    request: { params: orderIdParam },
    responses: { 200: jsonResponse(orderSchema, "The order"), ...errorResponses(401, 403, 404) },
  }),
  getTemplate: createRoute({
    ...secured,
    tags: ["shipping"],
    middleware: [requireRole("seller", "operator"), requireScope("catalog:read")],
    method: "get",
    path: "/admin/v1/shipping-template",
    summary: "The shop's shipping template (the platform default when it has none)",
    request: { query: shopQuery },
    responses: {
      200: jsonResponse(shippingTemplateSchema.openapi("ShippingTemplate"), "The template"),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  putTemplate: createRoute({
    ...secured,
    tags: ["shipping"],
    middleware: [requireRole("seller", "operator"), requireScope("catalog:write")],
    method: "put",
    path: "/admin/v1/shipping-template",
    summary: "Replace the shop's shipping template: first weight, additional steps, regions, free threshold",
    request: { query: shopQuery, body: jsonBody(shippingTemplateBody) },
    responses: { 200: jsonResponse(shippingTemplateSchema, "The template"), ...errorResponses(400, 401, 403, 404) },
  }),
};

/** Operators see every shop (or the one they name); sellers their own. */
async function scopeOf(c: AppContext<AdminBindings>, shopId: string | undefined): Promise<OrderScope> {
  const shop = await shopFilterFor(requestDb(c, "first-primary"), callerOf(c), shopId);
  return shop === undefined ? { all: true } : { shopId: shop };
}

export function registerOrderRoutes(app: AdminApp): void {
  app.openapi(routes.list, async (c) => {
    const { shopId, ...query } = c.req.valid("query");
    return c.json(await listOrders(requestDb(c, "first-primary"), await scopeOf(c, shopId), query), 200);
  });
  app.openapi(routes.get, async (c) =>
    c.json(
      await getOrder(requestDb(c, "first-primary"), await scopeOf(c, undefined), c.req.valid("param").orderId),
      200,
    ),
  );
  app.openapi(routes.getTemplate, async (c) => {
    const db = requestDb(c, "first-primary");
    return c.json(await getTemplate(db, await shopFor(db, callerOf(c), c.req.valid("query").shopId)), 200);
  });
  app.openapi(routes.putTemplate, async (c) => {
    const db = requestDb(c, "first-primary");
    const shopId = await shopFor(db, callerOf(c), c.req.valid("query").shopId);
    return c.json(await putTemplate(db, shopId, c.req.valid("json"), c.var.clock.now()), 200);
  });
}
