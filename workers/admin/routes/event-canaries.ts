/** Operators' end-to-end probe of the event pipeline: send a canary, then watch it arrive. */
import { createRoute, z } from "@hono/zod-openapi";
import { canarySchema, getCanary, sendCanary } from "../../../shared/events/canaries";
import { QUEUE_NAMES } from "../../../shared/events/queues";
import { callerOf, requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import type { AdminApp } from "../app";

const sendRoute = createRoute({
  method: "post",
  path: "/admin/v1/ops/event-canaries",
  tags: ["operations"],
  summary: "Send a canary event through a queue",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    headers: idempotencyHeaders,
    body: jsonBody(z.object({ queue: z.enum(QUEUE_NAMES) }).strict()),
  },
  responses: {
    202: jsonResponse(canarySchema.openapi("EventCanary"), "Sent; poll it until `consumed`"),
    ...errorResponses(400, 401, 403, 409, 422, 503),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/admin/v1/ops/event-canaries/{canaryId}",
  tags: ["operations"],
  summary: "Whether a canary was consumed",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: z.object({ canaryId: z.string().min(1).max(64) }) },
  responses: {
    200: jsonResponse(canarySchema, "The canary"),
    ...errorResponses(401, 403, 404),
  },
});

export function registerEventCanaryRoutes(app: AdminApp): void {
  app.openapi(sendRoute, async (c) => {
    const canary = await sendCanary(dbOf(c.env.DB), c.env, {
      queue: c.req.valid("json").queue,
      requestedBy: callerOf(c).userId,
      clock: c.var.clock,
    });
    return c.json(canary, 202);
  });

  app.openapi(getRoute, async (c) => c.json(await getCanary(dbOf(c.env.DB), c.req.valid("param").canaryId), 200));
}
