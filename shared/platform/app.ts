/**
 * The API kernel every HTTP Worker is built on: an OpenAPIHono app with request ids, structured
 * access logs, a body-size limit, caller resolution, Idempotency-Key handling, zod validation
 * answered as `validation_failed`, and RFC 9457 problem+json for every error including 404, 405,
 * malformed JSON, oversized bodies and unknown failures (which never leak a message or stack).
 */

import { SwaggerUI } from "@hono/swagger-ui";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { type ApiScope, assertScope, bearerOf, type Caller, type Role, verifyAccessToken } from "./auth";
import { type Clock, systemClock } from "./clock";
import { type Db, dbOf } from "./db";
import { authEnvSchema, platformEnvSchema, readEnv } from "./env";
import { AppError } from "./errors";
import { type IdempotencyIdentity, idempotency, type ParticipatingRoute } from "./idempotency";
import { ulid } from "./ids";
import { createLogger, errorFields, type Logger } from "./logger";
import { problemResponse } from "./problem";
import { invalidField, validationError } from "./validation";

/** Bindings every HTTP Worker has. */
export interface PlatformBindings {
  DB: D1Database;
  ENVIRONMENT?: string;
  MAX_BODY_BYTES?: string;
}

/** Per-request values set by the kernel's middleware. */
export interface AppVariables {
  requestId: string;
  log: Logger;
  clock: Clock;
  /** The authenticated caller, or null for anonymous requests. */
  caller: Caller | null;
  /** Why a presented credential was refused, so protected routes answer `invalid_token`. */
  credentialError: AppError | null;
  /** The request's D1 session, opened by `requestDb` on first use. */
  d1Session: D1DatabaseSession | null;
  /** The request's Idempotency-Key identity when its route takes part and the client sent one. */
  idempotency: IdempotencyIdentity | null;
}

export type AppEnv<B extends PlatformBindings = PlatformBindings> = { Bindings: B; Variables: AppVariables };
export type AppContext<B extends PlatformBindings = PlatformBindings> = Context<AppEnv<B>>;

/** What an API-key resolver gets: the Worker's bindings, the clock, and a way to finish work late. */
export interface ApiKeyDeps {
  env: PlatformBindings;
  clock: Clock;
  waitUntil(promise: Promise<unknown>): void;
}

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
  authenticateApiKey?: (key: string, deps: ApiKeyDeps) => Promise<Caller | null>;
  /** Handle `Idempotency-Key` on POSTs. */
  idempotency: boolean;
  /** Time source (tests pass a manual clock). */
  clock?: Clock;
}

/** Swagger UI major version the docs pages load from the CDN in production. */
const SWAGGER_UI_MAJOR = "5";

/**
 * Read-your-writes across D1 read replicas: every response that touched D1 through `requestDb`
 * carries the session's bookmark; a client that sends it back gets reads at least that fresh.
 */
export const BOOKMARK_HEADER = "x-d1-bookmark";
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/**
 * The request's database: a D1 session starting from the client's bookmark when it sent one,
 * else from `start` (writers use "first-primary", plain reads "first-unconstrained").
 */
export function requestDb<B extends PlatformBindings>(
  c: Context<AppEnv<B>>,
  start: "first-primary" | "first-unconstrained" = "first-unconstrained",
): Db {
  let session = c.get("d1Session");
  if (!session) {
    const header = c.req.header(BOOKMARK_HEADER);
    session = c.env.DB.withSession(header && BOOKMARK.test(header) ? header : start);
    c.set("d1Session", session);
  }
  return dbOf(session);
}

/** Bearer credentials starting with this are API keys, not JWTs. */
const API_KEY_TOKEN_PREFIX = "sk_";

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
    const session = c.get("d1Session");
    const bookmark = session?.getBookmark();
    if (bookmark) c.res.headers.set(BOOKMARK_HEADER, bookmark);
    log.info("request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Date.now() - started,
      caller: c.var.caller?.userId,
    });
  });

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
    bearerFormat: "JWT",
  });
  app.doc31(options.openapiPath, {
    openapi: "3.1.0",
    info: { title: options.title, version: "1.0.0", description: options.description },
  });
  app.get(options.docsPath, (c) => {
    const { DOCS_ASSETS_BASE } = readEnv(platformEnvSchema, c.env);
    const assets = DOCS_ASSETS_BASE ? { baseUrl: DOCS_ASSETS_BASE } : { version: SWAGGER_UI_MAJOR };
    const ui = SwaggerUI({ url: options.openapiPath, ...assets });
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" /><title>${options.title}</title></head><body>${ui}</body></html>`,
    );
  });
  return app;
}

/** Resolves a bearer credential into `c.var.caller`; a bad one is remembered, not thrown. */
function resolveCaller<B extends PlatformBindings>(
  authenticateApiKey: AppOptions["authenticateApiKey"],
): MiddlewareHandler<AppEnv<B>> {
  return async (c, next) => {
    const token = bearerOf(c.req.header("authorization"));
    if (token && authenticateApiKey && token.startsWith(API_KEY_TOKEN_PREFIX)) {
      const caller = await authenticateApiKey(token, {
        env: c.env,
        clock: c.var.clock,
        waitUntil: (promise) => c.executionCtx.waitUntil(promise),
      });
      if (caller) c.set("caller", caller);
      else c.set("credentialError", new AppError("invalid_token", { detail: "The API key is unknown or revoked" }));
    } else if (token) {
      try {
        const caller = await verifyAccessToken(token, { ...readEnv(authEnvSchema, c.env), clock: c.var.clock });
        c.set("caller", caller);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        c.set("credentialError", err);
      }
    }
    await next();
  };
}

/** The authenticated caller, or 401 (`invalid_token` if one was presented and refused). */
export function callerOf(c: { var: AppVariables }): Caller {
  const caller = c.var.caller;
  if (caller) return caller;
  throw c.var.credentialError ?? new AppError("unauthenticated", { headers: { "WWW-Authenticate": "Bearer" } });
}

/** Route middleware for routes open to guests: anonymous is fine, but a presented credential must be valid. */
export function allowGuest<B extends PlatformBindings>(): MiddlewareHandler<AppEnv<B>> {
  return async (c, next) => {
    if (c.var.credentialError) throw c.var.credentialError;
    await next();
  };
}

/** Route middleware admitting any authenticated caller (401 otherwise). */
export function requireCaller<B extends PlatformBindings>(): MiddlewareHandler<AppEnv<B>> {
  return async (c, next) => {
    callerOf(c);
    await next();
  };
}

/** Route middleware: an API key caller must hold `scope`; logged-in users are limited by role alone. */
export function requireScope<B extends PlatformBindings>(scope: ApiScope): MiddlewareHandler<AppEnv<B>> {
  return async (c, next) => {
    assertScope(callerOf(c), scope);
    await next();
  };
}

/** Route middleware refusing API-key callers: some acts need a person (managing keys, say). */
export function requireHuman<B extends PlatformBindings>(): MiddlewareHandler<AppEnv<B>> {
  return async (c, next) => {
    if (callerOf(c).apiKeyId) {
      throw new AppError("forbidden", { detail: "API keys cannot do this; use a logged-in account" });
    }
    await next();
  };
}

/**
 * The shop a request acts on: a seller's own, or the one an operator names (`shopId`, required
 * for operators). Another shop is invisible to a seller: the same 404 as a shop that does not exist.
 * The policy alone, without a lookup; requests resolve their shop with `shopFor`, which also
 * checks that an operator's shop exists.
 */
export function shopOf(caller: Caller, requested: string | undefined): string {
  if (caller.roles.includes("operator")) {
    if (!requested) throw invalidField("shopId", "is required for operators");
    return requested;
  }
  if (!caller.shopId || (requested && requested !== caller.shopId)) {
    throw new AppError("not_found", { detail: `No shop ${requested ?? ""}`.trim() });
  }
  return caller.shopId;
}

/**
 * The shop a request acts on, as `shopOf` decides it, and known to exist: an operator naming a
 * shop that does not exist gets the same 404 as a seller naming another's (not a 500 from a
 * foreign key, nor an empty answer). Routes resolve `?shopId=` with this or `shopFilterFor`.
 */
export async function shopFor(db: Db, caller: Caller, requested: string | undefined): Promise<string> {
  const shopId = shopOf(caller, requested);
  if (caller.roles.includes("operator")) {
    const shop = await db.query.shops.findFirst({ columns: { id: true }, where: (s, { eq }) => eq(s.id, shopId) });
    if (!shop) throw new AppError("not_found", { detail: `No shop ${shopId}` });
  }
  return shopId;
}

/** Like `shopFor`, for lists where an operator may name no shop: undefined then, meaning all shops. */
export async function shopFilterFor(
  db: Db,
  caller: Caller,
  requested: string | undefined,
): Promise<string | undefined> {
  if (caller.roles.includes("operator") && !requested) return undefined;
  return shopFor(db, caller, requested);
}

/** Whether `caller` may see data of `shopId`: operators any shop, sellers their own. */
export function canAccessShop(caller: Caller, shopId: string): boolean {
  return caller.roles.includes("operator") || (caller.roles.includes("seller") && caller.shopId === shopId);
}

/** Route middleware admitting only callers with one of `roles` (401 anonymous, 403 others). */
export function requireRole<B extends PlatformBindings>(...roles: Role[]): MiddlewareHandler<AppEnv<B>> {
  return async (c, next) => {
    const caller = callerOf(c);
    if (!caller.roles.some((r) => roles.includes(r))) {
      throw new AppError("forbidden", { detail: `This requires one of the roles: ${roles.join(", ")}` });
    }
    await next();
  };
}
