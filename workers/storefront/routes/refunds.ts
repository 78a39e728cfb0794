/** Refunds for signed-in shoppers: ask for units of an order back, follow them, send the goods back. */
import { createRoute, z } from "@hono/zod-openapi";
import { orderStoreOf } from "../../../shared/orders/order-store";
import { orderIdParam } from "../../../shared/orders/orders";
import { actorOf } from "../../../shared/platform/actor";
import { callerOf, requireCaller, requireHuman } from "../../../shared/platform/caller";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { returnShipmentBody, shipReturn } from "../../../shared/refunds/decide-refund";
import { requestRefund, requestRefundBody } from "../../../shared/refunds/place-refund";
import { refundExample } from "../../../shared/refunds/refund-example";
import {
  listOrderRefunds,
  locateRefund,
  refundIdParam,
  refundSchema,
  refundView,
} from "../../../shared/refunds/refunds-read";
import type { StorefrontApp } from "../app";
import { orderOpsDeps } from "../deps";

const signedIn = {
  security: [{ bearer: [] as string[] }],
  middleware: [requireCaller(), requireHuman()],
  tags: ["refunds"],
};
const refundList = z.object({ items: z.array(refundSchema), nextCursor: z.string().nullable() });

const routes = {
  request: createRoute({
    ...signedIn,
    method: "post",
    path: "/v1/orders/{orderId}/refunds",
    summary: "Ask for units of a paid order back, with or without returning the goods",
    description:
      "Names each order item and how many of its units (`items: [{orderItemId, quantity}]`). The amount is what was " +
      "paid for those units after the order's discounts (the item's `paidAmount` split per unit, the odd minor units " +
      "going to the units refunded first), plus shipping only when the refund leaves nothing of the order " +
      "un-refunded. `coins` are those units' share of the coins the order spent, by the same rule, credited back " +
      "when the refund is `REFUNDED`; a voucher's use comes back only when the whole order is refunded. " +
      "The refund holds its units: asking for more than is left (counting refunds still open) is 409 " +
      "`refund_exceeds_paid`, and before payment 409 `invalid_transition`. Answered `REQUESTED`: the shop's seller " +
      "or an operator approves or rejects it.",
    request: {
      params: orderIdParam,
      headers: idempotencyHeaders,
      body: jsonBody(requestRefundBody, {
        example: {
          items: [{ orderItemId: refundExample.items[0]?.orderItemId ?? "", quantity: 1 }],
          reason: "尺码不合适",
          returnGoods: true,
        },
      }),
    },
    responses: {
      201: jsonResponse(refundSchema.openapi("Refund"), "The refund, REQUESTED", refundExample),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  ofOrder: createRoute({
    ...signedIn,
    method: "get",
    path: "/v1/orders/{orderId}/refunds",
    summary: "The refunds of one of your orders, oldest first",
    description: "Every refund of the order (another shopper's order is 404), with its items and amounts.",
    request: { params: orderIdParam },
    responses: {
      200: jsonResponse(refundList, "The order's refunds", { items: [refundExample], nextCursor: null }),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  get: createRoute({
    ...signedIn,
    method: "get",
    path: "/v1/refunds/{refundId}",
    summary: "One of your refunds",
    description:
      "Its status (`REQUESTED` → `APPROVED` (→ `AWAITING_RETURN` → `RETURN_SHIPPED` → received) → `PROCESSING` → " +
      "`REFUNDED`, or `REJECTED` / `FAILED`), items and amounts. Another shopper's refund is 404.",
    request: { params: refundIdParam },
    responses: {
      200: jsonResponse(refundSchema, "The refund", refundExample),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  returnShipment: createRoute({
    ...signedIn,
    method: "post",
    path: "/v1/refunds/{refundId}/return-shipment",
    summary: "Tell the shop how the goods are coming back",
    description:
      "For an approved refund with goods to return (`AWAITING_RETURN`): the carrier and tracking number of the " +
      "parcel. Answered `RETURN_SHIPPED`; the seller receives the goods, then the money goes out. In any other " +
      "status 409 `invalid_transition`.",
    request: {
      params: refundIdParam,
      headers: idempotencyHeaders,
      body: jsonBody(returnShipmentBody, { example: { carrier: "sandbox", trackingNumber: "SBX-RETURN-0001" } }),
    },
    responses: {
      200: jsonResponse(refundSchema, "The refund, RETURN_SHIPPED", {
        ...refundExample,
        status: "RETURN_SHIPPED",
        returnShipment: { carrier: "sandbox", trackingNumber: "SBX-RETURN-0001" },
      }),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
};

export function registerRefundRoutes(app: StorefrontApp): void {
  app.openapi(routes.request, async (c) => {
    const caller = callerOf(c);
    const refund = await requestRefund(orderOpsDeps(c), {
      orderId: c.req.valid("param").orderId,
      userId: caller.userId,
      actor: actorOf(caller),
      body: c.req.valid("json"),
      requestKey: c.var.idempotency?.ref,
    });
    return c.json(refund, 201);
  });
  app.openapi(routes.ofOrder, async (c) =>
    c.json(
      await listOrderRefunds(orderStoreOf(c.env, c.var.clock), c.req.valid("param").orderId, {
        userId: callerOf(c).userId,
      }),
      200,
    ),
  );
  app.openapi(routes.get, async (c) => {
    const found = await locateRefund(orderStoreOf(c.env, c.var.clock), c.req.valid("param").refundId, {
      userId: callerOf(c).userId,
    });
    return c.json(refundView(found.refund, found.items), 200);
  });
  app.openapi(routes.returnShipment, async (c) => {
    const caller = callerOf(c);
    const body = c.req.valid("json");
    const refund = await shipReturn(orderOpsDeps(c), {
      refundId: c.req.valid("param").refundId,
      userId: caller.userId,
      actor: actorOf(caller),
      ...body,
    });
    return c.json(refund, 200);
  });
}
