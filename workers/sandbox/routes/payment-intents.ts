/** `/sandbox/api/v1/payment_intents`: create (idempotent), retrieve, list, cancel, as Stripe has them. */
import { createRoute, z } from "@hono/zod-openapi";
import { jsonResponse } from "../../../shared/platform/openapi";
import {
  cancelIntentBody,
  createIntentBody,
  listQuery,
  listView,
  paymentIntentView,
} from "../../../shared/sandbox/schemas";
import { apiErrorResponses, idempotencyKeyHeader, unwrap } from "../api-errors";
import { providerOf, type SandboxApp } from "../app-env";

const idParam = z.object({ id: z.string().min(1).max(255) });

const create = createRoute({
  method: "post",
  path: "/payment_intents",
  tags: ["sandbox payments"],
  summary: "Create a payment intent (requires_action, with the hosted page in next_action)",
  request: {
    headers: idempotencyKeyHeader,
    body: { required: true, content: { "application/json": { schema: createIntentBody } } },
  },
  responses: { 200: jsonResponse(paymentIntentView, "The intent"), ...apiErrorResponses(400, 401) },
});

const retrieve = createRoute({
  method: "get",
  path: "/payment_intents/{id}",
  tags: ["sandbox payments"],
  summary: "Retrieve a payment intent",
  request: { params: idParam },
  responses: { 200: jsonResponse(paymentIntentView, "The intent"), ...apiErrorResponses(401, 404) },
});

const list = createRoute({
  method: "get",
  path: "/payment_intents",
  tags: ["sandbox payments"],
  summary: "List payment intents, newest first (limit, starting_after, created[gte])",
  request: { query: listQuery },
  responses: { 200: jsonResponse(listView(paymentIntentView), "One page"), ...apiErrorResponses(400, 401) },
});

const cancel = createRoute({
  method: "post",
  path: "/payment_intents/{id}/cancel",
  tags: ["sandbox payments"],
  summary: "Cancel an intent that has not succeeded (a canceled one is answered as it is)",
  description: "Sends `payment_intent.canceled`. A succeeded intent is a 400 `payment_intent_unexpected_state`.",
  request: {
    params: idParam,
    headers: idempotencyKeyHeader,
    body: { required: false, content: { "application/json": { schema: cancelIntentBody } } },
  },
  responses: { 200: jsonResponse(paymentIntentView, "The intent"), ...apiErrorResponses(400, 401, 404) },
});

export function registerPaymentIntentRoutes(api: SandboxApp): void {
  api.openapi(create, async (c) => {
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const result = await providerOf(c.env).createIntent({ idempotencyKey, body: c.req.valid("json") });
    return c.json(unwrap(result), 200);
  });
  api.openapi(retrieve, async (c) => c.json(unwrap(await providerOf(c.env).intent(c.req.valid("param").id)), 200));
  api.openapi(list, async (c) => c.json(unwrap(await providerOf(c.env).listIntents(c.req.valid("query"))), 200));
  api.openapi(cancel, async (c) => {
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const body = { ...c.req.valid("json"), id: c.req.valid("param").id };
    return c.json(unwrap(await providerOf(c.env).cancelIntent({ idempotencyKey, body })), 200);
  });
}
