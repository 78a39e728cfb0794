/** `POST /admin/v1/orders/:orderId/ship`: the shop's seller (or an operator) ships a paid physical order. */
import { createRoute } from "@hono/zod-openapi";
import { SHIP_EXAMPLE, shippedExample } from "../../../shared/fulfillment/examples";
import { shipBody, shipOrder } from "../../../shared/fulfillment/ship";
import { orderStoreOf } from "../../../shared/orders/order-store";
import { orderIdParam, orderSchema, shopOrderScope } from "../../../shared/orders/orders";
import { actorOf } from "../../../shared/platform/actor";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import { shopFilterFor } from "../../../shared/platform/shop-access";
import { orderExample } from "../../storefront/examples";
import type { AdminApp } from "../app";

const route = createRoute({
  security: [{ bearer: [] as string[] }],
  tags: ["orders"],
  middleware: [requireRole("seller", "operator"), requireScope("orders:write")],
  method: "post",
  path: "/admin/v1/orders/{orderId}/ship",
  summary: "Ship a paid order: carrier and tracking number",
  description: [
    "The shipment awaiting the seller (created when the order was paid, from the warehouse that held its stock)",
    "gets its carrier and tracking number; the order and its fulfillment go `SHIPPED`. The carrier's signed",
    "callbacks (`/webhooks/carriers/{carrier}`) then move it to `DELIVERED`, or `shipment.failed` hands it back:",
    "ship again with a new tracking number (the order is `FULFILLING`, fulfillment `FAILED`) or refund it.",
    "A tracking number is unique per carrier: another parcel's is 409 `tracking_number_taken`. Before payment, or",
    "once shipped or delivered, 409 `invalid_transition`; the same order shipped again with the same parcel answers",
    "the order as it is. `warehouseId` (one of the shop's) overrides where it leaves from. Another shop's order is 404.",
  ].join(" "),
  request: {
    params: orderIdParam,
    headers: idempotencyHeaders,
    body: jsonBody(shipBody, { example: SHIP_EXAMPLE }),
  },
  responses: {
    200: jsonResponse(orderSchema, "The shipped order, with its shipments", shippedExample(orderExample)),
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});

export function registerShipmentRoutes(app: AdminApp): void {
  app.openapi(route, async (c) => {
    const db = requestDb(c, "first-primary");
    const caller = callerOf(c);
    const scope = shopOrderScope(await shopFilterFor(db, caller, undefined));
    const order = await shipOrder(
      { db, orders: orderStoreOf(c.env, c.var.clock), clock: c.var.clock, producers: c.env, log: c.var.log },
      { ...c.req.valid("json"), orderId: c.req.valid("param").orderId, scope, actor: actorOf(caller) },
    );
    return c.json(order, 200);
  });
}
