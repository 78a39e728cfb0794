/** Sellers' orders (their shop's only); operators name the shop or see all. */
import { createRoute, z } from "@hono/zod-openapi";
import { orderStoreOf } from "../../../shared/orders/order-store";
import {
  getOrder,
  listOrdersAcrossShards,
  listOrdersQuery,
  orderIdParam,
  orderSchema,
  shopOrderScope,
} from "../../../shared/orders/orders";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { errorResponses, jsonResponse, shopQuery } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { shopFilterFor } from "../../../shared/platform/shop-access";
import { orderExample } from "../../storefront/examples";
import type { AdminApp } from "../app";

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
    description:
      "The orders of the seller's shop with their four statuses, items, address, shipments and refunds; operators " +
      "see every shop's, or one with `shopId`.",
    request: { query: listOrdersQuery.extend(shopQuery.shape) },
    responses: {
      200: jsonResponse(z.object({ items: z.array(orderSchema), nextCursor: z.string().nullable() }), "Orders", {
        items: [orderExample],
        nextCursor: null,
      }),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  get: createRoute({
    ...readOrders,
    method: "get",
    path: "/admin/v1/orders/{orderId}",
    summary: "One of the shop's orders",
    description: "An order of the seller's shop (another shop's is 404), as the shopper sees it.",
    request: { params: orderIdParam },
    responses: { 200: jsonResponse(orderSchema, "The order", orderExample), ...errorResponses(400, 401, 403, 404) },
  }),
};

/** Registers the admin order routes: list and read, scoped to the shops the caller may see. */
export function registerOrderRoutes(app: AdminApp): void {
  // A shop's orders are spread over every order shard (their shoppers' slots): the list fans out.
  app.openapi(routes.list, async (c) => {
    const { shopId, ...query } = c.req.valid("query");
    const db = requestDb(c, "first-primary");
    const scope = shopOrderScope(await shopFilterFor(db, callerOf(c), shopId));
    return c.json(await listOrdersAcrossShards(orderStoreOf(c.env, c.var.clock), scope, query), 200);
  });
  app.openapi(routes.get, async (c) => {
    const { orderId } = c.req.valid("param");
    const scope = shopOrderScope(await shopFilterFor(requestDb(c, "first-primary"), callerOf(c), undefined));
    const home = await orderStoreOf(c.env, c.var.clock).homeOfOrder(orderId);
    return c.json(await getOrder(home.db, scope, orderId), 200);
  });
}
