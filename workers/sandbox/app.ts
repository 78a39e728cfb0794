/**
 * The sandbox app, everything under `/sandbox` (local dev and tests only): the Stripe-like API
 * (api.ts, Stripe's error shape), the hosted payment page, carrier events, chaos and the delivery
 * log (problem+json errors, like our own API). Unless SANDBOX_ENABLED is "true" every path is a 404.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestIdOf } from "../../shared/platform/app";
import { AppError } from "../../shared/platform/errors";
import { createLogger, errorFields } from "../../shared/platform/logger";
import { problemResponse } from "../../shared/platform/problem";
import { validationError } from "../../shared/platform/validation";
import { sandboxEnabled } from "../../shared/sandbox/env";
import { buildApiApp } from "./api";
import type { SandboxHonoEnv } from "./app-env";
import { registerCarrierRoutes } from "./routes/carriers";
import { registerChaosRoutes } from "./routes/chaos";
import { registerDeliveryRoutes } from "./routes/deliveries";
import { registerPayPageRoutes } from "./routes/pay-page";

const MAX_BODY_BYTES = 65_536;
const log = createLogger({ worker: "sandbox" });

/** Builds the sandbox app. */
export function buildSandboxApp() {
  const app = new OpenAPIHono<SandboxHonoEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });

  app.use(async (c, next) => {
    const requestId = requestIdOf(c.req.header("x-request-id"), Date.now());
    c.set("requestId", requestId);
    // Absent, not forbidden: an environment without the sandbox has no such paths at all.
    if (!sandboxEnabled(c.env)) return problemResponse(new AppError("not_found"), requestId);
    await next();
    c.res.headers.set("x-request-id", requestId);
  });
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new AppError("payload_too_large", { detail: `The request body exceeds ${MAX_BODY_BYTES} bytes` });
      },
    }),
  );

  app.onError((err, c) => {
    if (err instanceof AppError) return problemResponse(err, c.var.requestId);
    if (err instanceof HTTPException && err.status === 400) {
      return problemResponse(new AppError("malformed_json"), c.var.requestId);
    }
    if (err instanceof HTTPException && err.status === 415) {
      return problemResponse(new AppError("unsupported_media_type"), c.var.requestId);
    }
    log.error("sandbox: unhandled error", { requestId: c.var.requestId, ...errorFields(err) });
    return problemResponse(new AppError("internal", { detail: "An unexpected error occurred" }), c.var.requestId);
  });
  app.notFound((c) =>
    problemResponse(
      new AppError("not_found", { detail: `No route for ${c.req.method} ${c.req.path}` }),
      c.var.requestId,
    ),
  );

  app.route("/sandbox/api/v1", buildApiApp());
  registerPayPageRoutes(app);
  registerChaosRoutes(app);
  registerDeliveryRoutes(app);
  registerCarrierRoutes(app);

  app.doc31("/sandbox/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Sandbox providers (local dev and tests only)",
      version: "1.0.0",
      description:
        "Stand-ins for the payment provider (Stripe-like, under /sandbox/api/v1), carriers and the top-up service. They reach the platform only by signed webhooks.",
    },
  });
  return app;
}
