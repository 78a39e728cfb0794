/** `POST /v1/orders/:orderId/confirm-receipt`: the shopper says the parcel arrived; the order completes. */
import { createRoute } from "@hono/zod-openapi";
import { confirmReceipt } from "../../../shared/fulfillment/complete-order";
import { completedExample } from "../../../shared/fulfillment/examples";
import { orderStoreOf } from "../../../shared/orders/order-store";
import { orderIdParam, orderSchema } from "../../../shared/orders/orders";
import { actorOf } from "../../../shared/platform/actor";
import { callerOf, requireCaller, requireHuman } from "../../../shared/platform/caller";
import { errorResponses, idempotencyHeaders, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import type { StorefrontApp } from "../app";
import { promotionSettings } from "../deps";
import { orderExample } from "../examples";

const route = createRoute({
  security: [{ bearer: [] as string[] }],
  middleware: [requireCaller(), requireHuman()],
  tags: ["checkout and orders"],
  method: "post",
  path: "/v1/orders/{orderId}/confirm-receipt",
  summary: "Confirm receipt of a delivered order: DELIVERED → COMPLETED",
  description:
    "Only once the carrier reported the parcel delivered (`status: DELIVERED`; 409 `invalid_transition` before, " +
    "and once completed). Unconfirmed orders complete by themselves `AUTO_COMPLETE_DAYS` (default 7) after " +
    "delivery. Another shopper's order is 404. No body.",
  request: { params: orderIdParam, headers: idempotencyHeaders },
  responses: {
    200: jsonResponse(orderSchema, "The completed order", completedExample(orderExample)),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export function registerReceiptRoutes(app: StorefrontApp): void {
  app.openapi(route, async (c) => {
    const caller = callerOf(c);
    const order = await confirmReceipt(
      {
        db: requestDb(c, "first-primary"),
        orders: orderStoreOf(c.env, c.var.clock),
        clock: c.var.clock,
        producers: c.env,
        promotions: promotionSettings(c),
        log: c.var.log,
      },
      { orderId: c.req.valid("param").orderId, userId: caller.userId, actor: actorOf(caller) },
    );
    return c.json(order, 200);
  });
}
