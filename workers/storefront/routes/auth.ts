/** Accounts: register, log in, refresh and log out. */
import { createRoute, z } from "@hono/zod-openapi";
import { CART_TOKEN_HEADER } from "../../../shared/cart/cart";
import { dbOf } from "../../../shared/platform/db";
import { readEnv } from "../../../shared/platform/env";
import { errorResponses, idempotencyHeaders, jsonBody, jsonResponse } from "../../../shared/platform/openapi";
import { loginBody, logout, refresh, register, registerBody, tokenPairSchema } from "../../../shared/users/accounts";
import { loginShopper } from "../../../shared/users/login-shopper";
import { passwordHasherOf } from "../../../shared/users/password-hasher";
import type { StorefrontApp } from "../app";
import { authDeps, loginDeps } from "../deps";
import { storefrontEnvSchema } from "../env";
import { tokenPairExample } from "../examples";

const refreshBody = z.object({ refreshToken: z.string().min(1, "is required").max(200) }).strict();

const registerRoute = createRoute({
  method: "post",
  path: "/v1/auth/register",
  tags: ["accounts"],
  summary: "Register a shopper account",
  description:
    "Creates a shopper account; log in with it afterwards. Usernames and emails compare case-insensitively " +
    "(409 `username_taken`, `email_taken`, `phone_taken`). Passwords are 8–128 characters, not a common password " +
    "and not containing the username or email name (400 `weak_password` naming the field). At most " +
    "`REGISTER_IP_LIMIT_PER_MINUTE` registrations per client IP (429 `rate_limited` with `Retry-After`).",
  request: {
    headers: idempotencyHeaders,
    body: jsonBody(registerBody, {
      example: { username: "new_shopper", email: "new.shopper@example.com", password: "plum-harbor-lantern-42" },
    }),
  },
  responses: {
    201: jsonResponse(z.object({ userId: z.string() }), "Registered", { userId: "usr_01M8T8AFQ36XE7J3HCY4ZGRWA4" }),
    ...errorResponses(400, 409, 422, 429),
  },
});

const loginRoute = createRoute({
  method: "post",
  path: "/v1/auth/login",
  tags: ["accounts"],
  summary: "Log in with username, email or phone",
  description:
    "Answers an access token (`Authorization: Bearer <accessToken>`, 15 minutes) and a refresh token. Sellers and " +
    "operators log in here too and present the token to `/admin/v1`. Unknown users and wrong passwords answer the " +
    "same 401 `invalid_credentials`; five failures within 10 minutes lock the account for 10 minutes (423 " +
    "`account_locked` with `Retry-After`). A guest's `X-Cart-Token` sent along is merged into the account's cart. " +
    "Does not take Idempotency-Key: its answer carries secrets. The example is the demo shopper of `npm run dev`.",
  request: { body: jsonBody(loginBody, { example: { username: "shopper1", password: "shopper-dev-password" } }) },
  responses: {
    200: jsonResponse(
      tokenPairSchema.openapi("TokenPair"),
      "An access token (15 min) and a refresh token",
      tokenPairExample,
    ),
    ...errorResponses(400, 401, 423, 429),
  },
});

const refreshRoute = createRoute({
  method: "post",
  path: "/v1/auth/refresh",
  tags: ["accounts"],
  summary: "Exchange a refresh token for a new pair (the old one is used up)",
  description:
    "Rotates the session's refresh token: the one sent is used up, and presenting it again revokes the whole " +
    "session (401). Sessions end 30 days after login at the latest, an unused refresh token after 14 days.",
  request: { body: jsonBody(refreshBody, { example: { refreshToken: tokenPairExample.refreshToken } }) },
  responses: { 200: jsonResponse(tokenPairSchema, "A new pair", tokenPairExample), ...errorResponses(400, 401) },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  tags: ["accounts"],
  summary: "End the session the refresh token belongs to",
  description: "Revokes the refresh token's session; access tokens already issued run out within 15 minutes.",
  request: { body: jsonBody(refreshBody, { example: { refreshToken: tokenPairExample.refreshToken } }) },
  responses: { 204: { description: "Logged out (also for an unknown token)" }, ...errorResponses(400) },
});

export function registerAuthRoutes(app: StorefrontApp): void {
  app.openapi(registerRoute, async (c) => {
    const { REGISTER_IP_LIMIT_PER_MINUTE } = readEnv(storefrontEnvSchema, c.env);
    const passwords = passwordHasherOf(c.env.PASSWORD_HASHER);
    const result = await register(dbOf(c.env.DB), c.var.clock, passwords, c.req.valid("json"), {
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
