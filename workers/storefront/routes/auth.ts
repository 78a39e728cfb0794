/** Accounts: register, log in, refresh and log out. */
import { createRoute, z } from "@hono/zod-openapi";
import { CART_TOKEN_HEADER } from "../../../shared/cart/cart";
import { dbOf } from "../../../shared/platform/db";
import { readEnv } from "../../../shared/platform/env";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { loginBody, logout, refresh, register, registerBody, tokenPairSchema } from "../../../shared/users/accounts";
import { loginShopper } from "../../../shared/users/login-shopper";
import type { StorefrontApp } from "../app";
import { authDeps, loginDeps } from "../deps";
import { storefrontEnvSchema } from "../env";

const refreshBody = z.object({ refreshToken: z.string().min(1, "is required").max(200) }).strict();

const registerRoute = createRoute({
  method: "post",
  path: "/v1/auth/register",
  tags: ["accounts"],
  summary: "Register a shopper account",
  request: { headers: idempotencyHeaders, body: jsonBody(registerBody) },
  responses: {
    201: jsonResponse(z.object({ userId: z.string() }), "Registered"),
    ...errorResponses(400, 409, 422, 429),
  },
});

const loginRoute = createRoute({
  method: "post",
  path: "/v1/auth/login",
  tags: ["accounts"],
  summary: "Log in with username, email or phone",
  request: { body: jsonBody(loginBody) },
  responses: {
    200: jsonResponse(tokenPairSchema.openapi("TokenPair"), "An access token (15 min) and a refresh token"),
    ...errorResponses(400, 401, 423, 429),
  },
});

const refreshRoute = createRoute({
  method: "post",
  path: "/v1/auth/refresh",
  tags: ["accounts"],
  summary: "Exchange a refresh token for a new pair (the old one is used up)",
  request: { body: jsonBody(refreshBody) },
  responses: { 200: jsonResponse(tokenPairSchema, "A new pair"), ...errorResponses(400, 401) },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  tags: ["accounts"],
  summary: "End the session the refresh token belongs to",
  request: { body: jsonBody(refreshBody) },
  responses: { 204: { description: "Logged out (also for an unknown token)" }, ...errorResponses(400) },
});

export function registerAuthRoutes(app: StorefrontApp): void {
  app.openapi(registerRoute, async (c) => {
    const { REGISTER_IP_LIMIT_PER_MINUTE } = readEnv(storefrontEnvSchema, c.env);
    const result = await register(dbOf(c.env.DB), c.var.clock, c.req.valid("json"), {
      limiter: c.env.RATE_LIMITER,
      ipLimit: { limit: REGISTER_IP_LIMIT_PER_MINUTE, windowMs: 60_000 },
      ip: c.req.header("cf-connecting-ip") ?? "unknown",
    });
    return c.json(result, 201);
  });

  app.openapi(loginRoute, async (c) => {
    const cf = c.req.raw.cf as { country?: unknown } | undefined;
    const pair = await loginShopper(
      loginDeps(c),
      c.req.valid("json"),
      {
        ip: c.req.header("cf-connecting-ip") ?? "unknown",
        userAgent: c.req.header("user-agent") ?? null,
        deviceId: c.req.header("x-device-id")?.slice(0, 200) ?? null,
        country: c.req.header("cf-ipcountry") ?? (typeof cf?.country === "string" ? cf.country : null),
      },
      c.req.header(CART_TOKEN_HEADER),
    );
    return c.json(pair, 200);
  });

  app.openapi(refreshRoute, async (c) => c.json(await refresh(authDeps(c), c.req.valid("json").refreshToken), 200));

  app.openapi(logoutRoute, async (c) => {
    await logout(dbOf(c.env.DB), c.var.clock, c.req.valid("json").refreshToken);
    return c.body(null, 204);
  });
}
