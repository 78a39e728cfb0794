/** Paying: start a payment of a pay order through a provider, and read the pay order's payment status. */
import { createRoute } from "@hono/zod-openapi";
import { orderStoreOf } from "../../../shared/orders/order-store";
import { payBody, paymentStartedSchema, payOrderIdParam, payPayOrder } from "../../../shared/payments/pay";
import { payOrderViewSchema, viewPayOrder } from "../../../shared/payments/pay-order-view";
import { callerOf, requireCaller, requireHuman } from "../../../shared/platform/caller";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";

import type { StorefrontApp } from "../app";
import { payDeps } from "../deps";
import { paymentStartedExample, payOrderViewExample } from "../examples";

const signedIn = {
  security: [{ bearer: [] as string[] }],
  middleware: [requireCaller(), requireHuman()],
  tags: ["checkout and orders"],
};

const routes = {
  pay: createRoute({
    ...signedIn,
    method: "post",
    path: "/v1/pay-orders/{payOrderId}/pay",
    summary: "Pay a pay order: answers the provider's hosted page to send the shopper to",
    description:
      "Creates a PENDING payment through the provider (`sandbox` locally) and answers its `redirectUrl`. " +
      "The result arrives from the provider as a webhook; poll GET /v1/pay-orders/{payOrderId} for it. " +
      "409 `payment_in_progress` while a payment is live, `already_paid`, `pay_order_expired` past `payBy`, " +
      "`invalid_transition` when the pay order was cancelled.",
    request: {
      params: payOrderIdParam,
      headers: idempotencyHeaders,
      body: jsonBody(payBody, { example: { method: "sandbox" } }),
    },
    responses: {
      201: jsonResponse(
        paymentStartedSchema.openapi("PaymentStarted"),
        "The payment, pending on the provider's page",
        paymentStartedExample,
      ),
      ...errorResponses(400, 401, 403, 404, 409, 422, 502),
    },
  }),
  get: createRoute({
    ...signedIn,
    method: "get",
    path: "/v1/pay-orders/{payOrderId}",
    summary: "One of your pay orders: its payment status, orders and payments",
    description:
      "Poll this after sending the shopper to the provider's page: `paymentStatus` turns `PAID` once the " +
      "provider's webhook is applied (each order then `PAID`), and `payments` lists every attempt.",
    request: { params: payOrderIdParam },
    responses: {
      200: jsonResponse(payOrderViewSchema.openapi("PayOrder"), "The pay order", payOrderViewExample),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
};

export function registerPayOrderRoutes(app: StorefrontApp): void {
  app.openapi(routes.pay, async (c) => {
    const started = await payPayOrder(payDeps(c), {
      userId: callerOf(c).userId,
      payOrderId: c.req.valid("param").payOrderId,
      method: c.req.valid("json").method,
    });
    return c.json(started, 201);
  });
  app.openapi(routes.get, async (c) =>
    c.json(
      await viewPayOrder(orderStoreOf(c.env, c.var.clock), c.req.valid("param").payOrderId, callerOf(c).userId),
      200,
    ),
  );
}
