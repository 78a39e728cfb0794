/**
 * `/sandbox/api/v1/topups`: the top-up service for virtual goods. The outcome follows from the
 * target's last digits, like test card numbers: `...0002` is declined (`failed`, `declined`),
 * `...0003` times out, anything else succeeds. A timeout is recorded as `pending` (its outcome is
 * never learned) and its answer hangs for SANDBOX_TOPUP_TIMEOUT_MS (30 s in dev) before a 504
 * `api_error`/`timeout`: a client with a shorter timeout sees its own timeout, any other the 504.
 * Replaying the same Idempotency-Key replays the timeout too. `?reference=` finds a top-up whose
 * answer was lost.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { readEnv } from "../../../shared/platform/env";
import { jsonResponse } from "../../../shared/platform/openapi";
import { sandboxEnvSchema } from "../../../shared/sandbox/env";
import { createTopupBody, listView, topupOutcome, topupView } from "../../../shared/sandbox/schemas";
import { apiErrorResponses, idempotencyKeyHeader, SandboxApiError, unwrap } from "../api-errors";
import { providerOf, type SandboxApp } from "../app-env";

const create = createRoute({
  method: "post",
  path: "/topups",
  tags: ["sandbox top-ups"],
  summary: "Top up a phone number (…0002 declined, …0003 times out, others succeed)",
  request: {
    headers: idempotencyKeyHeader,
    body: { required: true, content: { "application/json": { schema: createTopupBody } } },
  },
  responses: {
    200: jsonResponse(topupView, "The top-up, succeeded or failed"),
    ...apiErrorResponses(400, 401, 504),
  },
});

const retrieve = createRoute({
  method: "get",
  path: "/topups/{id}",
  tags: ["sandbox top-ups"],
  summary: "Retrieve a top-up",
  request: { params: z.object({ id: z.string().min(1).max(255) }) },
  responses: { 200: jsonResponse(topupView, "The top-up"), ...apiErrorResponses(401, 404) },
});

const byReference = createRoute({
  method: "get",
  path: "/topups",
  tags: ["sandbox top-ups"],
  summary: "The top-ups made for a reference, newest first",
  request: { query: z.strictObject({ reference: z.string().min(1).max(255) }) },
  responses: { 200: jsonResponse(listView(topupView), "Every match (at most 100)"), ...apiErrorResponses(400, 401) },
});

export function registerTopupRoutes(api: SandboxApp): void {
  api.openapi(create, async (c) => {
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const topup = unwrap(await providerOf(c.env).createTopup({ idempotencyKey, body: c.req.valid("json") }));
    if (topup.status === "pending" && topupOutcome(topup.target) === "timeout") {
      const { SANDBOX_TOPUP_TIMEOUT_MS } = readEnv(sandboxEnvSchema, c.env);
      await new Promise((resolve) => setTimeout(resolve, SANDBOX_TOPUP_TIMEOUT_MS));
      throw new SandboxApiError(504, {
        type: "api_error",
        code: "timeout",
        message: `The top-up service did not answer within ${SANDBOX_TOPUP_TIMEOUT_MS} ms.`,
      });
    }
    return c.json(topup, 200);
  });
  api.openapi(retrieve, async (c) => c.json(unwrap(await providerOf(c.env).topup(c.req.valid("param").id)), 200));
  api.openapi(byReference, async (c) => {
    const data = await providerOf(c.env).topupsByReference(c.req.valid("query").reference);
    return c.json({ object: "list" as const, url: "/v1/topups", data, has_more: false }, 200);
  });
}
