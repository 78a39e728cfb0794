/**
 * `/sandbox/chaos`: how the webhooks enqueued from now on misbehave, as real ones do: each sent
 * `duplicates` extra times, none before `delayMs`, and with `shuffle` in random order among those
 * due together (combine with a delay to gather several). `{}` turns chaos off.
 */
import { createRoute } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { chaosSettings } from "../../../shared/sandbox/schemas";
import { providerOf, type SandboxApp } from "../app-env";

const read = createRoute({
  method: "get",
  path: "/sandbox/chaos",
  tags: ["sandbox controls"],
  summary: "The chaos settings in force",
  responses: { 200: jsonResponse(chaosSettings, "The settings") },
});

const write = createRoute({
  method: "post",
  path: "/sandbox/chaos",
  tags: ["sandbox controls"],
  summary: "Set chaos for the webhooks that follow (omitted fields reset to 0 / false / succeed)",
  description:
    '`duplicates`, `delayMs` and `shuffle` apply to the webhooks enqueued from now on; `refunds: "fail"` ' +
    "settles the refunds that settle from now on `failed` (each with its `refund.updated`).",
  request: { body: jsonBody(chaosSettings) },
  responses: { 200: jsonResponse(chaosSettings, "The settings now in force"), ...errorResponses(400, 415) },
});

export function registerChaosRoutes(app: SandboxApp): void {
  app.openapi(read, async (c) => c.json(await providerOf(c.env).chaos(), 200));
  app.openapi(write, async (c) => c.json(await providerOf(c.env).setChaos(c.req.valid("json")), 200));
}
