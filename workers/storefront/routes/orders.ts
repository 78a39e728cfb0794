/** Checkout and orders for signed-in shoppers: quote, create, list, read, cancel. */
import { createRoute, z } from "@hono/zod-openapi";
import { createQuote, quoteResponseSchema } from "../../../shared/checkout/create-quote";
import { quoteBody } from "../../../shared/checkout/pricing";
import { createOrder, createOrderBody, createOrderResponse } from "../../../shared/orders/create-order";
import {
  cancelOrder,
  getOrder,
  listOrders,
  listOrdersQuery,
  orderIdParam,
  orderSchema,
} from "../../../shared/orders/orders";
import { actorOf } from "../../../shared/platform/actor";
import { callerOf, requireCaller, requireHuman } from "../../../shared/platform/caller";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import type { StorefrontApp } from "../app";
import { orderDeps, orderOpsDeps } from "../deps";

const signedIn = {
  security: [{ bearer: [] as string[] }],
  middleware: [requireCaller(), requireHuman()],
  tags: ["checkout and orders"],
};

const routes = {
  quote: createRoute({
    ...signedIn,
    method: "post",
    path: "/v1/checkout/quote",
    summary: "Price a checkout: one order per seller, shipping, discounts, and a 15-minute quote token",
    request: { body: jsonBody(quoteBody) },
    responses: {
      200: jsonResponse(quoteResponseSchema.openapi("Quote"), "The priced checkout"),
      ...errorResponses(400, 401, 403, 409, 422),
    },
  }),
  create: createRoute({
    ...signedIn,
    method: "post",
    path: "/v1/orders",
    summary: "Create orders from a quote token (or items and an address), holding their stock until paid",
    request: { headers: idempotencyHeaders, body: jsonBody(createOrderBody) },
    responses: {
      201: jsonResponse(createOrderResponse.openapi("CreatedOrders"), "The pay order and its orders"),
      ...errorResponses(400, 401, 403, 409, 422, 429),
    },
  }),
  list: createRoute({
    ...signedIn,
    method: "get",
    path: "/v1/orders",
    summary: "Your orders, newest first",
    request: { query: listOrdersQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(orderSchema.openapi("Order")), nextCursor: z.string().nullable() }),
        "A page of orders",
      ),
      ...errorResponses(400, 401, 403),
    },
  }),
  get: createRoute({
    ...signedIn,
    method: "get",
    path: "/v1/orders/{orderId}",
    summary: "One of your orders",
    request: { params: orderIdParam },
    responses: { 200: jsonResponse(orderSchema, "The order"), ...errorResponses(400, 401, 403, 404) },
  }),
  cancel: createRoute({
    ...signedIn,
    method: "post",
    path: "/v1/orders/{orderId}/cancel",
    summary: "Cancel an unpaid order; its stock goes back on sale",
    request: { params: orderIdParam, headers: idempotencyHeaders },
    responses: { 200: jsonResponse(orderSchema, "The cancelled order"), ...errorResponses(400, 401, 403, 404, 409) },
  }),
};

export function registerOrderRoutes(app: StorefrontApp): void {
  app.openapi(routes.quote, async (c) => {
    const { tokenKey, db, clock } = orderDeps(c);
    return c.json(await createQuote({ db, clock, tokenKey }, callerOf(c).userId, c.req.valid("json")), 200);
  });
  app.openapi(routes.create, async (c) => {
    const result = await createOrder(orderDeps(c), {
      userId: callerOf(c).userId,
      ip: c.req.header("cf-connecting-ip") ?? "unknown",
      body: c.req.valid("json"),
      // One Idempotency-Key makes one order, even if its lock lapsed or its stored answer was lost.
      ...(c.var.idempotency ? { requestKey: c.var.idempotency.ref } : {}),
    });
    return c.json(result, 201);
  });
  app.openapi(routes.list, async (c) =>
    c.json(await listOrders(requestDb(c, "first-primary"), { userId: callerOf(c).userId }, c.req.valid("query")), 200),
  );
  app.openapi(routes.get, async (c) =>
    c.json(
      await getOrder(requestDb(c, "first-primary"), { userId: callerOf(c).userId }, c.req.valid("param").orderId),
      200,
    ),
  );
  app.openapi(routes.cancel, async (c) => {
    const caller = callerOf(c);
    const order = await cancelOrder(orderOpsDeps(c), {
      orderId: c.req.valid("param").orderId,
      userId: caller.userId,
      actor: actorOf(caller),
      reason: "cancelled by the shopper",
    });
    return c.json(order, 200);
  });
}
