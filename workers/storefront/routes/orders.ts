/** Checkout and orders for signed-in shoppers: quote, create, list, read, cancel. */
import { createRoute, z } from "@hono/zod-openapi";
import { createQuote, quoteResponseSchema } from "../../../shared/checkout/create-quote";
import { quoteBody } from "../../../shared/checkout/pricing";
import { createOrder, createOrderBody, createOrderResponse } from "../../../shared/orders/create-order";
import { guestCheckoutRefused } from "../../../shared/orders/guest-checkout";
import { orderStoreOf } from "../../../shared/orders/order-store";
import {
  type CancelOrderBody,
  cancelOrder,
  cancelOrderBody,
  getOrder,
  listOrders,
  listOrdersQuery,
  orderIdParam,
  orderSchema,
  SHOPPER_CANCEL_REASON,
} from "../../../shared/orders/orders";
import { actorOf } from "../../../shared/platform/actor";
import { callerOf, requireCaller, requireHuman } from "../../../shared/platform/caller";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import type { StorefrontApp } from "../app";
import { orderDeps, orderOpsDeps, promotionSettings } from "../deps";
import { DEMO_ADDRESS_ID, DEMO_SKU_ID } from "../docs-intro";
import { createdOrdersExample, orderExample, quoteExample } from "../examples";

/** The demo shopper's checkout in `npm run dev`: one NIKE T-shirt to the demo address. */
const demoCheckout = { items: [{ skuId: DEMO_SKU_ID, quantity: 1 }], addressId: DEMO_ADDRESS_ID };

const signedIn = {
  security: [{ bearer: [] as string[] }],
  middleware: [requireCaller(), requireHuman()],
  tags: ["checkout and orders"],
};
/** Quote and order: a guest (no credential) is told guest checkout is not offered (`account_required`). */
const checkout = { ...signedIn, middleware: [requireCaller(guestCheckoutRefused), requireHuman()] };
const GUEST_REFUSED =
  " Guest checkout (an email and an address, no account) is not offered: without a token the answer is 401 " +
  "`account_required`, which says how to register or log in (a guest cart merges into the account at login).";

/** The third body form (API.md "Flash sales"): what a flash-sale admission orders. */
const FLASH_FORM =
  " A flash-sale admission orders with `{purchaseToken, addressId}`: the `purchaseToken` of a 200 from " +
  "`POST /v1/flash-sales/{campaignId}/enter` (signed for that shopper, campaign, SKU and quantity; valid until its " +
  "`expiresAt`, 5 minutes) and the shopper's address, e.g. " +
  '`{"purchaseToken": "eyJhbGciOiJIUzI1NiIsInR5cCI6ImZsYXNoLXB1cmNoYXNlK2p3dCJ9.eyJjaWQiOi…", "addressId": "adr_…"}`. ' +
  "The order is one line of the campaign's SKU at the flash price, with no vouchers, threshold discounts or coins, " +
  "its units taken from the campaign's carve-out. One order per token: another order with it is 409 " +
  "`purchase_token_used` (naming the `orderId`; the same `Idempotency-Key` replays the first order instead), a token " +
  "past its `expiresAt` or of an ended campaign 409 `admission_lapsed` (its unit went back to the sale), another " +
  "shopper's or a malformed token 400. Cancelling the unpaid order gives the unit back to the campaign.";

const routes = {
  quote: createRoute({
    ...checkout,
    method: "post",
    path: "/v1/checkout/quote",
    summary: "Price a checkout: one order per seller, shipping, discounts, and a 15-minute quote token",
    description:
      "Prices the items without holding anything: one order per seller (and per kind of goods), goods minus " +
      "discounts plus shipping from the seller's template (virtual goods ship free and need no address). The " +
      "answer's `quoteToken` (signed, 15 minutes, one order) can be sent to `POST /v1/orders` instead of the items; " +
      "the order then refuses a changed price with 409 `price_changed`. Promotions stack in a fixed order, each on " +
      "what the earlier left of the goods: each shop's running threshold discount (满减, best tier), one shop " +
      "voucher per shop and one platform voucher (`voucherCode` or `voucherCodes`), then `coins` (1 coin = 1 fen, " +
      "at most `COINS_MAX_PERCENT`, default 50, of the goods left). Each order's `discounts` lists them with their " +
      "amounts, and every item its share. A code that does not apply is 422 `voucher_not_applicable` with `reason` " +
      "(`min_spend`, `expired`, `not_started`, `out_of_scope`, `used_up`, `per_user_limit`); more coins than the " +
      "balance 409 `insufficient_coins`. Nothing is held." +
      GUEST_REFUSED,
    request: { body: jsonBody(quoteBody, { example: demoCheckout }) },
    responses: {
      200: jsonResponse(quoteResponseSchema.openapi("Quote"), "The priced checkout", quoteExample),
      ...errorResponses(400, 401, 403, 409, 422, 503),
    },
  }),
  create: createRoute({
    ...checkout,
    method: "post",
    path: "/v1/orders",
    summary: "Create orders from a quote token (or items and an address), holding their stock until paid",
    description:
      "Send `{quoteToken}` from a quote, or `{items, addressId}` to price and order at once (the example: the demo " +
      "shopper's T-shirt to the demo address). Runs the order saga: checks the account and prices, anti-fraud limits " +
      "(429 `rate_limited`, 409 `hold_limit_reached`), holds the vouchers' uses and the coins (409 " +
      "`voucher_exhausted` when another checkout took a voucher's last use or budget, or the shopper's limit; " +
      "nothing is held), reserves stock in each SKU's object (409 `out_of_stock`), " +
      "numbers the orders and writes them with one pay order to pay them all by `payBy` (then they cancel " +
      "themselves). A failure undoes every earlier step. With the same `Idempotency-Key` a retry answers the first " +
      "result and never orders twice. Pay with `POST /v1/pay-orders/{payOrderId}/pay`." +
      FLASH_FORM +
      GUEST_REFUSED,
    request: { headers: idempotencyHeaders, body: jsonBody(createOrderBody, { example: demoCheckout }) },
    responses: {
      201: jsonResponse(
        createOrderResponse.openapi("CreatedOrders"),
        "The pay order and its orders",
        createdOrdersExample,
      ),
      ...errorResponses(400, 401, 403, 409, 422, 429, 503),
    },
  }),
  list: createRoute({
    ...signedIn,
    method: "get",
    path: "/v1/orders",
    summary: "Your orders, newest first",
    description:
      "The caller's orders with their four statuses (`status`, `paymentStatus`, `fulfillmentStatus`, " +
      "`refundStatus`), items (each with the `snapshotId` of the product as ordered), shipments and refunds.",
    request: { query: listOrdersQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(orderSchema.openapi("Order")), nextCursor: z.string().nullable() }),
        "A page of orders",
        { items: [orderExample], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403),
    },
  }),
  get: createRoute({
    ...signedIn,
    method: "get",
    path: "/v1/orders/{orderId}",
    summary: "One of your orders",
    description: "One of the caller's orders (another shopper's is 404), with its `version`.",
    request: { params: orderIdParam },
    responses: {
      200: jsonResponse(orderSchema, "The order", orderExample),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  cancel: createRoute({
    ...signedIn,
    method: "post",
    path: "/v1/orders/{orderId}/cancel",
    summary: "Cancel an unpaid order; its stock goes back on sale",
    description:
      "Only while unpaid (409 `invalid_transition` otherwise): releases the held stock and closes the payment. " +
      "The body is optional: the shopper's `reason` is stored as given and answered as `cancelReason` (without " +
      "one, `cancelled by the shopper`). Unpaid orders also cancel themselves at `payBy`.",
    request: {
      params: orderIdParam,
      headers: idempotencyHeaders,
      body: { ...jsonBody(cancelOrderBody, { example: { reason: "地址填错了" } }), required: false },
    },
    responses: {
      200: jsonResponse(orderSchema, "The cancelled order", {
        ...orderExample,
        status: "CANCELLED",
        paymentStatus: "CLOSED",
        cancelReason: "地址填错了",
        version: 2,
      }),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
};

export function registerOrderRoutes(app: StorefrontApp): void {
  app.openapi(routes.quote, async (c) => {
    const { tokenKey, db, clock } = orderDeps(c);
    const deps = { db, clock, tokenKey, promotions: promotionSettings(c) };
    return c.json(await createQuote(deps, callerOf(c).userId, c.req.valid("json")), 200);
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
  // A shopper's orders all live in the shard of the shopper's slot (shared/orders/order-store.ts).
  app.openapi(routes.list, async (c) => {
    const { userId } = callerOf(c);
    const home = await orderStoreOf(c.env, c.var.clock).homeOfUser(userId);
    return c.json(await listOrders(home.db, { userId }, c.req.valid("query")), 200);
  });
  app.openapi(routes.get, async (c) => {
    const { orderId } = c.req.valid("param");
    const home = await orderStoreOf(c.env, c.var.clock).homeOfOrder(orderId);
    return c.json(await getOrder(home.db, { userId: callerOf(c).userId }, orderId), 200);
  });
  app.openapi(routes.cancel, async (c) => {
    const caller = callerOf(c);
    const order = await cancelOrder(orderOpsDeps(c), {
      orderId: c.req.valid("param").orderId,
      userId: caller.userId,
      actor: actorOf(caller),
      // No body at all skips validation: the route's default reason applies.
      reason: (c.req.valid("json") as CancelOrderBody | undefined)?.reason ?? SHOPPER_CANCEL_REASON,
    });
    return c.json(order, 200);
  });
}
