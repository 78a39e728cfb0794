/** Operators' view of dead letters: list them, replay one to its source queue. */
import { createRoute, z } from "@hono/zod-openapi";
import { deadLetterSchema, listDeadLetters, replayDeadLetter } from "../../../shared/events/dead-letters";
import { QUEUE_NAMES } from "../../../shared/events/queues";
import { callerOf, requireRole } from "../../../shared/platform/caller";
import { dbOf } from "../../../shared/platform/db";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import { listQuerySchema } from "../../../shared/platform/validation";
import type { AdminApp } from "../app";
import { deadLetterExample } from "../examples";

const listRoute = createRoute({
  method: "get",
  path: "/admin/v1/dead-letters",
  tags: ["operations"],
  summary: "List dead letters, newest first",
  description:
    "Operators only. Queue messages that failed every retry, with the reason of the last failure; filter by " +
    "`status` and `queue`. Replay one once its cause is fixed.",
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
      { items: [deadLetterExample], nextCursor: null },
    ),
    ...errorResponses(400, 401, 403),
  },
});

const replayRoute = createRoute({
  method: "post",
  path: "/admin/v1/dead-letters/{deadLetterId}/replay",
  tags: ["operations"],
  summary: "Re-send a dead letter to its source queue (once)",
  description:
    "Operators only. Sends the message to its source queue again, where consumers apply it idempotently; a dead " +
    "letter already replayed is 409.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    params: z.object({ deadLetterId: z.string().min(1).max(64).openapi({ example: deadLetterExample.id }) }),
  },
  responses: {
    202: jsonResponse(deadLetterSchema, "Re-sent; the dead letter is now `replayed`", {
      ...deadLetterExample,
      status: "replayed",
      replayedAt: "2026-12-02T03:15:00.000Z",
      replayedBy: "usr_00000000000000000000000001",
    }),
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
