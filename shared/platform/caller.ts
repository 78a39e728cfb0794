/**
 * Who is calling: the kernel's middleware resolving a bearer credential (JWT access token, or an
 * `sk_` API key where the Worker takes them) into `c.var.caller`, and the route middlewares that
 * admit callers by presence, scope, kind and role. A refused credential is remembered rather than
 * thrown, so public routes stay open while protected ones answer `invalid_token`.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv, AppVariables, PlatformBindings } from "./app-env";
import { type ApiScope, assertScope, bearerOf, type Caller, type Role, verifyAccessToken } from "./auth";
import type { Clock } from "./clock";
import { authEnvSchema, readEnv } from "./env";
import { AppError } from "./errors";

/** What an API-key resolver gets: the Worker's bindings, the clock, and a way to finish work late. */
export interface ApiKeyDeps {
  env: PlatformBindings;
  clock: Clock;
  waitUntil(promise: Promise<unknown>): void;
}

/** Resolves an `sk_...` API key into its caller; null for an unknown or revoked key. */
export type ApiKeyAuthenticator = (key: string, deps: ApiKeyDeps) => Promise<Caller | null>;

/** Bearer credentials starting with this are API keys, not JWTs. */
const API_KEY_TOKEN_PREFIX = "sk_";

/**
 * Resolves a bearer credential into `c.var.caller`; a bad one is remembered, not thrown. Without
 * `authenticateApiKey`, an API key is refused like any malformed token.
 */
export function resolveCaller<B extends PlatformBindings>(
  authenticateApiKey: ApiKeyAuthenticator | undefined,
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

/**
 * Route middleware admitting any authenticated caller (401 otherwise). `anonymous` is the refusal
 * for a request that presented no credential at all, where a route has a more specific one
 * (checkout: `account_required`); a presented but refused credential stays `invalid_token`.
 */
export function requireCaller<B extends PlatformBindings>(anonymous?: () => AppError): MiddlewareHandler<AppEnv<B>> {
  return async (c, next) => {
    if (anonymous && !c.var.caller && !c.var.credentialError) throw anonymous();
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
