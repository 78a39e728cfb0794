/** `/sandbox/api/v1/refunds`: create (idempotent; settles asynchronously), retrieve, list. */
import { createRoute, z } from "@hono/zod-openapi";
import { jsonResponse } from "../../../shared/platform/openapi";
import { createRefundBody, listRefundsQuery, listView, refundView } from "../../../shared/sandbox/schemas";
import { apiErrorResponses, idempotencyKeyHeader, unwrap } from "../api-errors";
import { providerOf, type SandboxApp } from "../app-env";

const create = createRoute({
  method: "post",
  path: "/refunds",
  tags: ["sandbox payments"],
  summary: "Refund (part of) a succeeded intent; answered pending, then a signed refund.updated (succeeded)",
  description:
    "More than succeeded minus refunded is a 400 `amount_too_large`; an intent that has not succeeded a 400 `charge_not_refundable`.",
  request: {
    headers: idempotencyKeyHeader,
    body: { required: true, content: { "application/json": { schema: createRefundBody } } },
  },
  responses: { 200: jsonResponse(refundView, "The refund (pending)"), ...apiErrorResponses(400, 401) },
});

const retrieve = createRoute({
  method: "get",
  path: "/refunds/{id}",
  tags: ["sandbox payments"],
  summary: "Retrieve a refund",
  request: { params: z.object({ id: z.string().min(1).max(255) }) },
  responses: { 200: jsonResponse(refundView, "The refund"), ...apiErrorResponses(401, 404) },
});

const list = createRoute({
  method: "get",
  path: "/refunds",
  tags: ["sandbox payments"],
  summary: "List refunds, newest first (limit, starting_after, created[gte], payment_intent)",
  request: { query: listRefundsQuery },
  responses: { 200: jsonResponse(listView(refundView), "One page"), ...apiErrorResponses(400, 401) },
});

export function registerRefundRoutes(api: SandboxApp): void {
  api.openapi(create, async (c) => {
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const result = await providerOf(c.env).createRefund({ idempotencyKey, body: c.req.valid("json") });
    return c.json(unwrap(result), 200);
  });
  api.openapi(retrieve, async (c) => c.json(unwrap(await providerOf(c.env).refund(c.req.valid("param").id)), 200));
  api.openapi(list, async (c) => c.json(unwrap(await providerOf(c.env).listRefunds(c.req.valid("query"))), 200));
}
