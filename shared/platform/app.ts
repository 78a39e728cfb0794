/**
 * The API kernel every HTTP Worker is built on: an OpenAPIHono app with request ids, structured
 * access logs, a body-size limit, caller resolution, Idempotency-Key handling, zod validation
 * answered as `validation_failed`, and RFC 9457 problem+json for every error including 404, 405,
 * malformed JSON, oversized bodies and unknown failures (which never leak a message or stack).
 */

import { SwaggerUI } from "@hono/swagger-ui";
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppEnv, PlatformBindings } from "./app-env";
import { type ApiKeyAuthenticator, resolveCaller } from "./caller";
import { type Clock, systemClock } from "./clock";
import { platformEnvSchema, readEnv } from "./env";
import { withErrorCodes } from "./error-docs";
import { AppError } from "./errors";
import { idempotency, type ParticipatingRoute } from "./idempotency";
import { ulid } from "./ids";
import { declareKernelResponses } from "./kernel-responses";
import { createLogger, errorFields } from "./logger";
import { recordRouteMetrics } from "./metrics/middleware";
import { problemSchema } from "./openapi";
import { problemResponse } from "./problem";
import { answerBookmark } from "./request-db";
import { validationError } from "./validation";

/** How a Worker's app is built. */
export interface AppOptions {
  /** The Worker's name, on every log line. */
  worker: string;
  title: string;
  description: string;
  /** Where the OpenAPI 3.1 document is served, e.g. `/admin/openapi.json`. */
  openapiPath: string;
  /** Where the interactive docs page is served, e.g. `/admin/docs`. */
  docsPath: string;
  /** Resolve `Authorization: Bearer` access tokens into `c.var.caller`. */
  auth: boolean;
  /**
   * Resolves `Authorization: Bearer sk_...` API keys (admin only); null for an unknown key.
   * Without it, an API key is refused like any malformed token.
   */
  authenticateApiKey?: ApiKeyAuthenticator;
  /** Handle `Idempotency-Key` on POSTs. */
  idempotency: boolean;
  /** Time source (tests pass a manual clock). */
  clock?: Clock;
}

/** Swagger UI major version the docs pages load from the CDN in production. */
const SWAGGER_UI_MAJOR = "5";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id to use: the caller's `X-Request-Id` when well-formed, else a new one. */
export function requestIdOf(header: string | undefined, nowMs: number): string {
  return header && REQUEST_ID.test(header) ? header : `req_${ulid(nowMs)}`;
}

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) {
      return new AppError("malformed_json", { detail: "The request body could not be parsed as JSON" });
    }
    if (err.status === 413) return new AppError("payload_too_large");
    if (err.status === 401) return new AppError("unauthenticated");
    if (err.status === 404) return new AppError("not_found");
    if (err.status === 415) return new AppError("unsupported_media_type");
    if (err.status < 500) return new AppError("bad_request");
  }
  return null;
}

/** Turns a Hono route pattern into a RegExp for the 405 check. */
function patternOf(path: string): RegExp {
  const source = path
    .split("/")
    .map((segment) => {
      if (segment === "*") return ".*";
      const param = /^:[^{]+(?:\{(.+)\})?\??$/.exec(segment);
      if (param) return param[1] ? `(?:${param[1]})` : "[^/]+";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}/?$`);
}

/** Whether a route's documented request headers include `Idempotency-Key`. */
function documentsIdempotencyKey(headers: unknown): boolean {
  const list = Array.isArray(headers) ? headers : [headers];
  return list.some((h) => {
    const shape = (h as { shape?: Record<string, unknown> } | undefined)?.shape;
    return shape !== undefined && Object.keys(shape).some((name) => name.toLowerCase() === "idempotency-key");
  });
}

/**
 * The POST routes that take part in Idempotency-Key handling: those whose OpenAPI entry documents
 * the header, so what the docs say and what the server does cannot drift apart. Answers the
 * matching route's pattern (part of the key's scope), or null.
 */
function idempotentRoutesOf(app: { openAPIRegistry: OpenAPIHono["openAPIRegistry"] }): ParticipatingRoute {
  let known = -1;
  let routes: { method: string; pattern: RegExp; path: string }[] = [];
  return (method, path) => {
    const definitions = app.openAPIRegistry.definitions;
    if (definitions.length !== known) {
      known = definitions.length;
      routes = definitions.flatMap((d) =>
        d.type === "route" && documentsIdempotencyKey(d.route.request?.headers)
          ? [
              {
                method: d.route.method.toUpperCase(),
                pattern: patternOf(d.route.path.replace(/\{([^}]+)\}/g, ":$1")),
                path: d.route.path,
              },
            ]
          : [],
      );
    }
    return routes.find((r) => r.method === method && r.pattern.test(path))?.path ?? null;
  };
}

/** Builds a Worker's app with the kernel's middleware, error handling, OpenAPI document and docs. */
export function createApp<B extends PlatformBindings>(options: AppOptions): OpenAPIHono<AppEnv<B>> {
  const baseLog = createLogger({ worker: options.worker });
  const clock = options.clock ?? systemClock;
  const app = new OpenAPIHono<AppEnv<B>>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });

  app.use(async (c, next) => {
    const started = Date.now();
    const requestId = requestIdOf(c.req.header("x-request-id"), clock.now());
    const log = baseLog.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    c.set("clock", clock);
    c.set("caller", null);
    c.set("credentialError", null);
    c.set("d1Session", null);
    c.set("idempotency", null);
    await next();
    c.res.headers.set("x-request-id", requestId);
    answerBookmark(c);
    log.info("request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Date.now() - started,
      caller: c.var.caller?.userId,
    });
  });

  app.use(recordRouteMetrics<B>(options.worker));

  app.use(async (c, next) => {
    const { MAX_BODY_BYTES } = readEnv(platformEnvSchema, c.env);
    return bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new AppError("payload_too_large", { detail: `The request body exceeds ${MAX_BODY_BYTES} bytes` });
      },
    })(c, next);
  });

  if (options.auth) app.use(resolveCaller<B>(options.authenticateApiKey));
  if (options.idempotency) app.use(idempotency(idempotentRoutesOf(app)));

  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? requestIdOf(undefined, clock.now());
    const appError = toAppError(err);
    if (appError) return problemResponse(appError, requestId);
    (c.get("log") ?? baseLog).error("unhandled error", { requestId, ...errorFields(err) });
    return problemResponse(new AppError("internal", { detail: "An unexpected error occurred" }), requestId);
  });

  app.notFound((c) => {
    const path = c.req.path;
    const allowed = new Set<string>();
    for (const route of app.routes) {
      if (route.method !== "ALL" && route.method !== c.req.method && patternOf(route.path).test(path)) {
        allowed.add(route.method);
      }
    }
    const requestId = c.get("requestId");
    if (allowed.size > 0) {
      const allow = [...allowed].sort().join(", ");
      return problemResponse(
        new AppError("method_not_allowed", {
          detail: `${c.req.method} is not allowed here; use ${allow}`,
          headers: { Allow: allow },
        }),
        requestId,
      );
    }
    return problemResponse(new AppError("not_found", { detail: `No route for ${c.req.method} ${path}` }), requestId);
  });

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: options.authenticateApiKey
      ? "An access token from `POST /v1/auth/login` (a seller or operator account), or an API key `sk_...` from `POST /admin/v1/api-keys`"
      : "An access token from `POST /v1/auth/login`",
  });
  // The kernel's own answers refer to it, whether or not a route lists an error itself.
  app.openAPIRegistry.register("Problem", problemSchema);
  // The document is generated once routes are registered, with the kernel's answers declared.
  let generated: { routes: number; document: object } | undefined;
  app.get(options.openapiPath, (c) => {
    const routes = app.openAPIRegistry.definitions.length;
    if (generated?.routes !== routes) {
      const document = app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: { title: options.title, version: "1.0.0", description: withErrorCodes(options.description) },
      });
      generated = { routes, document: declareKernelResponses(document) };
    }
    return c.json(generated.document);
  });
  app.get(options.docsPath, (c) => {
    const { DOCS_ASSETS_BASE } = readEnv(platformEnvSchema, c.env);
    const assets = DOCS_ASSETS_BASE ? { baseUrl: DOCS_ASSETS_BASE } : { version: SWAGGER_UI_MAJOR };
    // Examples pre-fill "Try it out"; the token pasted into Authorize survives a reload.
    const ui = SwaggerUI({ url: options.openapiPath, persistAuthorization: true, ...assets });
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" /><title>${options.title}</title></head><body>${ui}</body></html>`,
    );
  });
  return app;
}
