/** Operators' end-to-end probe of the event pipeline: send a canary, then watch it arrive. */
import { createRoute, z } from "@hono/zod-openapi";
import { canarySchema, getCanary, sendCanary } from "../../../shared/events/canaries";
import { QUEUE_NAMES } from "../../../shared/events/queues";
import { callerOf, requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import type { AdminApp } from "../app";
import { canaryExample } from "../examples";

const sendRoute = createRoute({
  method: "post",
  path: "/admin/v1/ops/event-canaries",
  tags: ["operations"],
  summary: "Send a canary event through a queue",
  description:
    "Operators only. Sends a canary message on `queue`; the events Worker's consumer marks it consumed, so a " +
    "canary still `sent` after a while shows that queue's pipeline is stuck.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    headers: idempotencyHeaders,
    body: jsonBody(z.object({ queue: z.enum(QUEUE_NAMES) }).strict(), { example: { queue: "catalog-events" } }),
  },
  responses: {
    202: jsonResponse(canarySchema.openapi("EventCanary"), "Sent; poll it until `consumed`", canaryExample),
    ...errorResponses(400, 401, 403, 409, 422, 503),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/admin/v1/ops/event-canaries/{canaryId}",
  tags: ["operations"],
  summary: "Whether a canary was consumed",
  description: "Operators only. `consumed` with `consumedAt` once the consumer got it; `deliveries` counts how often.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: z.object({ canaryId: z.string().min(1).max(64).openapi({ example: canaryExample.canaryId }) }) },
  responses: {
    200: jsonResponse(canarySchema, "The canary", {
      ...canaryExample,
      status: "consumed",
      consumedAt: "2026-12-02T02:11:20.102Z",
      deliveries: 1,
    }),
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
