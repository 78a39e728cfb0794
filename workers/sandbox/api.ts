/**
 * The Stripe-like payment and top-up API under `/sandbox/api/v1`, the one the platform's sandbox
 * adapter calls: `Authorization: Bearer <SANDBOX_API_KEY>`, JSON bodies, Stripe's error shape and
 * statuses (a bad parameter is 400 `parameter_invalid`/`parameter_missing`/`parameter_unknown`, a
 * bad key 401, an unknown object 404, our own failure 500 `api_error`).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { timingSafeEqual } from "../../shared/platform/crypto";
import { readEnv } from "../../shared/platform/env";
import { createLogger, errorFields } from "../../shared/platform/logger";
import { sandboxEnvSchema } from "../../shared/sandbox/env";
import { parameterError, SandboxApiError } from "./api-errors";
import type { SandboxHonoEnv } from "./app-env";
import { registerPaymentIntentRoutes } from "./routes/payment-intents";
import { registerRefundRoutes } from "./routes/refunds";
import { registerTopupRoutes } from "./routes/topups";

const log = createLogger({ worker: "sandbox" });

/** Builds the API app, mounted by the sandbox app at `/sandbox/api/v1`. */
export function buildApiApp() {
  const api = new OpenAPIHono<SandboxHonoEnv>({
    defaultHook: (result) => {
      if (!result.success) throw parameterError(result.error);
    },
  });

  api.use(async (c, next) => {
    const { SANDBOX_API_KEY } = readEnv(sandboxEnvSchema, c.env);
    const presented = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];
    if (!presented || !timingSafeEqual(presented, SANDBOX_API_KEY)) {
      throw new SandboxApiError(401, {
        type: "invalid_request_error",
        message: presented ? "Invalid API Key provided." : "You did not provide an API key.",
      });
    }
    await next();
  });

  api.onError((err, c) => {
    if (err instanceof SandboxApiError) return c.json({ error: err.error }, err.status);
    if (err instanceof HTTPException && err.status < 500) {
      const message = err.status === 400 ? "Invalid JSON in the request body." : err.message;
      return c.json({ error: { type: "invalid_request_error", message } }, err.status);
    }
    log.error("sandbox api: unhandled error", { requestId: c.var.requestId, ...errorFields(err) });
    return c.json(
      { error: { type: "api_error", message: "An error occurred with our connection to the sandbox." } },
      500,
    );
  });

  registerPaymentIntentRoutes(api);
  registerRefundRoutes(api);
  registerTopupRoutes(api);
  return api;
}
