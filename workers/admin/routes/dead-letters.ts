/** Operators' view of dead letters: list them, replay one to its source queue. */
import { createRoute, z } from "@hono/zod-openapi";
import { deadLetterSchema, listDeadLetters, replayDeadLetter } from "../../../shared/events/dead-letters";
import { QUEUE_NAMES } from "../../../shared/events/queues";
import { callerOf, requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import { listQuerySchema } from "../../../shared/platform/validation";
import type { AdminApp } from "../app";

const listRoute = createRoute({
  method: "get",
  path: "/admin/v1/dead-letters",
  tags: ["operations"],
  summary: "List dead letters, newest first",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    query: listQuerySchema.extend({
      status: z.enum(["dead", "replayed"]).optional(),
      queue: z.enum(QUEUE_NAMES).optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(deadLetterSchema.openapi("DeadLetter")), nextCursor: z.string().nullable() }),
      "A page of dead letters",
    ),
    ...errorResponses(400, 401, 403),
  },
});

const replayRoute = createRoute({
  method: "post",
  path: "/admin/v1/dead-letters/{deadLetterId}/replay",
  tags: ["operations"],
  summary: "Re-send a dead letter to its source queue (once)",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: z.object({ deadLetterId: z.string().min(1).max(64) }) },
  responses: {
    202: jsonResponse(deadLetterSchema, "Re-sent; the dead letter is now `replayed`"),
    ...errorResponses(401, 403, 404, 409, 503),
  },
});

export function registerDeadLetterRoutes(app: AdminApp): void {
  app.openapi(listRoute, async (c) => {
    const page = await listDeadLetters(dbOf(c.env.DB), c.req.valid("query"));
    return c.json(page, 200);
  });

  app.openapi(replayRoute, async (c) => {
    const replayed = await replayDeadLetter(dbOf(c.env.DB), c.env, {
      id: c.req.valid("param").deadLetterId,
      by: callerOf(c).userId,
      now: c.var.clock.now(),
    });
    return c.json(replayed, 202);
  });
}
