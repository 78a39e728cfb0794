/**
 * The webhook delivery log and the switch that sends now: `/sandbox/deliveries` (one row per
 * delivery, chaos duplicates included), `POST /sandbox/deliveries/flush` (what is due; with
 * `?all=1` everything pending, delays and backoff notwithstanding), and `/sandbox/events/:id`
 * (an event's exact body, as signed).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "../../../shared/platform/errors";
import { errorResponses, jsonResponse } from "../../../shared/platform/openapi";
import { deliveriesQuery, deliveryView, flushQuery, flushResult } from "../../../shared/sandbox/schemas";
import { providerOf, type SandboxApp } from "../app-env";

const log = createRoute({
  method: "get",
  path: "/sandbox/deliveries",
  tags: ["sandbox controls"],
  summary: "Webhook deliveries, newest first (?eventType=, ?eventId=, ?objectId=, ?status=)",
  request: { query: deliveriesQuery },
  responses: { 200: jsonResponse(z.object({ items: z.array(deliveryView) }), "The log"), ...errorResponses(400) },
});

const flush = createRoute({
  method: "post",
  path: "/sandbox/deliveries/flush",
  tags: ["sandbox controls"],
  summary: "Attempt every due delivery now (?all=1: every pending one), settling due refunds first",
  request: { query: flushQuery },
  responses: { 200: jsonResponse(flushResult, "What was attempted"), ...errorResponses(400) },
});

const event = createRoute({
  method: "get",
  path: "/sandbox/events/{id}",
  tags: ["sandbox controls"],
  summary: "An event the sandbox sent (or will send), with its exact body",
  request: { params: z.object({ id: z.string().min(1).max(255) }) },
  responses: {
    200: jsonResponse(z.object({ id: z.string(), type: z.string(), path: z.string(), body: z.string() }), "The event"),
    ...errorResponses(404),
  },
});

export function registerDeliveryRoutes(app: SandboxApp): void {
  app.openapi(log, async (c) => c.json({ items: await providerOf(c.env).deliveryLog(c.req.valid("query")) }, 200));
  app.openapi(flush, async (c) => {
    const { all } = c.req.valid("query");
    return c.json(await providerOf(c.env).flush({ all: all === "1" || all === "true" }), 200);
  });
  app.openapi(event, async (c) => {
    const { id } = c.req.valid("param");
    const found = await providerOf(c.env).event(id);
    if (!found) throw new AppError("not_found", { detail: `No sandbox event ${id}` });
    return c.json(found, 200);
  });
}
