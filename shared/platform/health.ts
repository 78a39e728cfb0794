/** The `GET <prefix>/health` route every HTTP Worker answers with 200 `{"status":"ok"}`. */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv, PlatformBindings } from "./app-env";
import { jsonResponse } from "./openapi";

const healthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

/** Registers the health route at `path` on `app`. */
export function registerHealth<B extends PlatformBindings>(app: OpenAPIHono<AppEnv<B>>, path: string): void {
  const route = createRoute({
    method: "get",
    path,
    tags: ["platform"],
    summary: "Liveness check",
    description: 'Answers 200 `{"status":"ok"}` while the Worker serves; it touches no storage and needs no login.',
    responses: { 200: jsonResponse(healthSchema, "The Worker is serving", { status: "ok" }) },
  });
  app.openapi(route, (c) => c.json({ status: "ok" as const }, 200));
}
