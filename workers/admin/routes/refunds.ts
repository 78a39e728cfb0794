/**
 * Refunds as the shop's seller and operators handle them: the list by status, approve, reject,
 * receive returned goods, a refund of their own (approved at once), and releasing a refund whose
 * payout failed; operators also retry such a payout. A seller sees and acts on its shop's refunds
 * only; another shop's are 404.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { inventoryOf } from "../../../shared/inventory/binding";
import { orderStoreOf } from "../../../shared/orders/order-store";
import { orderIdParam } from "../../../shared/orders/orders";
import { actorOf } from "../../../shared/platform/actor";
import type { AppContext } from "../../../shared/platform/app-env";
import { callerOf, requireRole, requireScope } from "../../../shared/platform/caller";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { requestDb } from "../../../shared/platform/request-db";
import {
  approveRefund,
  approveRefundBody,
  type ReceiveDeps,
  receiveRefund,
  receiveRefundBody,
  rejectRefund,
  rejectRefundBody,
  releaseRefund,
  releaseRefundBody,
  retryRefundBody,
  retryRefundPayout,
} from "../../../shared/refunds/decide-refund";
import { directRefundBody, refundDirectly } from "../../../shared/refunds/place-refund";
import { refundExample } from "../../../shared/refunds/refund-example";
import {
  listRefunds,
  refundIdParam,
  refundListQuery,
  refundSchema,
  staffRefundScope,
} from "../../../shared/refunds/refunds-read";
import type { AdminApp, AdminBindings } from "../app";

const secured = { security: [{ bearer: [] as string[] }], tags: ["refunds"] };
const readRefunds = { ...secured, middleware: [requireRole("seller", "operator"), requireScope("orders:read")] };
const writeRefunds = { ...secured, middleware: [requireRole("seller", "operator"), requireScope("orders:write")] };

function refundDeps(c: AppContext<AdminBindings>): ReceiveDeps {
  return {
    db: requestDb(c, "first-primary"),
    orders: orderStoreOf(c.env, c.var.clock),
    clock: c.var.clock,
    producers: c.env,
    inventory: inventoryOf(c.env),
    log: c.var.log,
  };
}

/** Who acts, and on which refunds: the caller as actor, limited to the refunds it may see. */
function staffActing(c: AppContext<AdminBindings>) {
  const caller = callerOf(c);
  return { scope: staffRefundScope(caller), actor: actorOf(caller) };
}

const approved = { ...refundExample, status: "AWAITING_RETURN" as const, note: "请寄回原包装" };

const routes = {
  list: createRoute({
    ...readRefunds,
    method: "get",
    path: "/admin/v1/refunds",
    summary: "Refunds, newest first: a seller its shop's, operators all; filter by status",
    description:
      "The refunds of the seller's shop's orders (operators: every shop's), newest first, with items and amounts; " +
      "`status=REQUESTED` lists those awaiting a decision, `RETURN_SHIPPED` those whose goods are on their way back.",
    request: { query: refundListQuery },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(refundSchema.openapi("Refund")), nextCursor: z.string().nullable() }),
        "A page of refunds",
        { items: [refundExample], nextCursor: null },
      ),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  approve: createRoute({
    ...writeRefunds,
    method: "post",
    path: "/admin/v1/refunds/{refundId}/approve",
    summary: "Approve a requested refund",
    description:
      "`REQUESTED` → `APPROVED`, then on at once: without goods to return to `PROCESSING` (the money goes back " +
      "through the payment provider, then `REFUNDED`), with goods to `AWAITING_RETURN`. Another status is 409 " +
      "`invalid_transition`; another shop's refund 404.",
    request: {
      params: refundIdParam,
      headers: idempotencyHeaders,
      body: { ...jsonBody(approveRefundBody, { example: { note: "请寄回原包装" } }), required: false },
    },
    responses: {
      200: jsonResponse(refundSchema, "The refund, PROCESSING or AWAITING_RETURN", approved),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  reject: createRoute({
    ...writeRefunds,
    method: "post",
    path: "/admin/v1/refunds/{refundId}/reject",
    summary: "Reject a requested refund, with the reason",
    description:
      "`REQUESTED` → `REJECTED`; the units it held may be asked for again. Another status is 409 " +
      "`invalid_transition`; another shop's refund 404.",
    request: {
      params: refundIdParam,
      headers: idempotencyHeaders,
      body: jsonBody(rejectRefundBody, { example: { reason: "商品已使用，不支持退货" } }),
    },
    responses: {
      200: jsonResponse(refundSchema, "The refund, REJECTED", {
        ...refundExample,
        status: "REJECTED",
        note: "商品已使用，不支持退货",
      }),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  receive: createRoute({
    ...writeRefunds,
    method: "post",
    path: "/admin/v1/refunds/{refundId}/receive",
    summary: "The returned goods arrived: back to stock or written off, then the money goes out",
    description:
      "For a refund awaiting its goods (`AWAITING_RETURN` or `RETURN_SHIPPED`): `sellable` units go back to " +
      "available stock in the warehouses they were sold from, `damaged` ones are written off with a movement; the " +
      "refund goes `PROCESSING` and the money back through the payment provider. Another status is 409 " +
      "`invalid_transition`; another shop's refund 404.",
    request: {
      params: refundIdParam,
      headers: idempotencyHeaders,
      body: jsonBody(receiveRefundBody, { example: { condition: "sellable" } }),
    },
    responses: {
      200: jsonResponse(refundSchema, "The refund, PROCESSING", {
        ...approved,
        status: "PROCESSING",
        receivedCondition: "sellable",
      }),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  retry: createRoute({
    ...secured,
    middleware: [requireRole("operator"), requireScope("orders:write")],
    method: "post",
    path: "/admin/v1/refunds/{refundId}/retry",
    summary: "Retry a refund whose payout the provider failed (operators)",
    description:
      "Operators only. A `FAILED` refund (the payment provider could not pay it out) goes `PROCESSING` again as " +
      "a new payout attempt: the provider is asked once more under a new idempotency key (`refund:<id>:<n>`), " +
      "then `REFUNDED` on its refund.updated. The money owed was booked when the refund was decided and is not " +
      "booked again; late events of the failed attempt change nothing. Another status is 409 " +
      "`invalid_transition`; an unknown refund 404.",
    request: {
      params: refundIdParam,
      headers: idempotencyHeaders,
      body: { ...jsonBody(retryRefundBody, { example: { note: "银行卡已更换，重新退款" } }), required: false },
    },
    responses: {
      200: jsonResponse(refundSchema, "The refund, PROCESSING again", {
        ...refundExample,
        status: "PROCESSING",
        returnGoods: false,
        note: "银行卡已更换，重新退款",
      }),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  release: createRoute({
    ...writeRefunds,
    method: "post",
    path: "/admin/v1/refunds/{refundId}/release",
    summary: "Release a refund whose payout failed: its units may be asked for again",
    description:
      "For a `FAILED` refund (the payment provider could not pay it out), instead of retrying the payout: the " +
      "refund goes `REJECTED` (logged as `release`), the units and amount it held are free again, so the shopper " +
      "(or the shop) may ask for them anew, and the money booked as owed goes back to escrow (a " +
      "`refund_released` ledger transaction). Late news of the failed payout changes nothing. Releasing it again " +
      "answers the refund as it is. A refund that put unshipped units back on sale is 409 `invalid_transition` " +
      "(retry its payout instead), as is any other status; another shop's refund 404.",
    request: {
      params: refundIdParam,
      headers: idempotencyHeaders,
      body: {
        ...jsonBody(releaseRefundBody, { example: { note: "退款账户已注销，请重新申请" } }),
        required: false,
      },
    },
    responses: {
      200: jsonResponse(refundSchema, "The refund, REJECTED", {
        ...refundExample,
        status: "REJECTED",
        returnGoods: false,
        note: "退款账户已注销，请重新申请",
      }),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  direct: createRoute({
    ...writeRefunds,
    method: "post",
    path: "/admin/v1/orders/{orderId}/refunds",
    summary: "Refund units of one of the shop's orders directly (approved at once)",
    description:
      "The seller of the order's shop or an operator refunds `items: [{orderItemId, quantity}]`: amounts as for a " +
      "shopper's request (the units' exact allocation, shipping only when it empties the order), `PROCESSING` at " +
      "once, then `REFUNDED` when the provider paid it out. 409 `refund_exceeds_paid` past what is left, 409 " +
      "`invalid_transition` before payment; another shop's order 404.",
    request: {
      params: orderIdParam,
      headers: idempotencyHeaders,
      body: jsonBody(directRefundBody, {
        example: {
          items: [{ orderItemId: refundExample.items[0]?.orderItemId ?? "", quantity: 1 }],
          reason: "缺货，无法发货",
        },
      }),
    },
    responses: {
      201: jsonResponse(refundSchema, "The refund, PROCESSING", {
        ...refundExample,
        status: "PROCESSING",
        returnGoods: false,
        reason: "缺货，无法发货",
      }),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  }),
};

/** Registers the admin refund routes, each scoped to the refunds the caller may see. */
export function registerRefundRoutes(app: AdminApp): void {
  app.openapi(routes.list, async (c) =>
    c.json(await listRefunds(orderStoreOf(c.env, c.var.clock), staffActing(c).scope, c.req.valid("query")), 200),
  );
  app.openapi(routes.approve, async (c) => {
    // The body is optional: without one there is no note.
    const { note } = approveRefundBody.parse(c.req.valid("json") ?? {});
    const { refundId } = c.req.valid("param");
    return c.json(await approveRefund(refundDeps(c), { refundId, ...staffActing(c), note }), 200);
  });
  app.openapi(routes.reject, async (c) => {
    const { refundId } = c.req.valid("param");
    const { reason } = c.req.valid("json");
    return c.json(await rejectRefund(refundDeps(c), { refundId, ...staffActing(c), reason }), 200);
  });
  app.openapi(routes.receive, async (c) => {
    const { refundId } = c.req.valid("param");
    const { condition } = c.req.valid("json");
    return c.json(await receiveRefund(refundDeps(c), { refundId, ...staffActing(c), condition }), 200);
  });
  app.openapi(routes.retry, async (c) => {
    // The body is optional: without one the note names the attempt.
    const { note } = retryRefundBody.parse(c.req.valid("json") ?? {});
    const { refundId } = c.req.valid("param");
    return c.json(await retryRefundPayout(refundDeps(c), { refundId, ...staffActing(c), note }), 200);
  });
  app.openapi(routes.release, async (c) => {
    const { note } = releaseRefundBody.parse(c.req.valid("json") ?? {});
    const { refundId } = c.req.valid("param");
    return c.json(await releaseRefund(refundDeps(c), { refundId, ...staffActing(c), note }), 200);
  });
  app.openapi(routes.direct, async (c) => {
    const refund = await refundDirectly(refundDeps(c), {
      orderId: c.req.valid("param").orderId,
      ...staffActing(c),
      body: c.req.valid("json"),
      requestKey: c.var.idempotency?.ref,
    });
    return c.json(refund, 201);
  });
}
