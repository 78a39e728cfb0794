/**
 * Signing in to the console with the platform's own login (`login` of shared/users/accounts, the
 * one behind POST /v1/auth/login): the same per-IP limit, lockout, login log and answers, so a
 * wrong password is `invalid_credentials` and a locked account `account_locked` with Retry-After,
 * exactly as the API says. Shoppers' sessions are ended at once: the console is for staff.
 */
import { z } from "zod";
import { verifyAccessToken } from "../../../shared/platform/auth";
import { dbOf } from "../../../shared/platform/db";
import { authEnvSchema, readEnv } from "../../../shared/platform/env";
import { AppError } from "../../../shared/platform/errors";
import { type LoginBody, type LoginDeps, login, logout } from "../../../shared/users/accounts";
import { passwordHasherOf } from "../../../shared/users/password-hasher";
import type { ConsoleContext } from "./console";
import { isStaff, writeSession } from "./session";

const loginLimitSchema = z.object({
  LOGIN_IP_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(20),
});

function loginDeps(c: ConsoleContext): LoginDeps {
  const { LOGIN_IP_LIMIT_PER_MINUTE } = readEnv(loginLimitSchema, c.env);
  return {
    db: dbOf(c.env.DB),
    clock: c.var.clock,
    tokens: readEnv(authEnvSchema, c.env),
    passwords: passwordHasherOf(c.env.PASSWORD_HASHER),
    limiter: c.env.LOGIN_RATE_LIMITER as LoginDeps["limiter"],
    ipLimit: { limit: LOGIN_IP_LIMIT_PER_MINUTE, windowMs: 60_000 },
  };
}

/** Logs in and writes the session cookie; throws the API's AppError when the login is refused. */
export async function signIn(c: ConsoleContext, input: LoginBody): Promise<void> {
  const deps = loginDeps(c);
  const cf = c.req.raw.cf as { country?: unknown } | undefined;
  const pair = await login(deps, input, {
    ip: c.req.header("cf-connecting-ip") ?? "unknown",
    userAgent: c.req.header("user-agent") ?? null,
    deviceId: null,
    country: c.req.header("cf-ipcountry") ?? (typeof cf?.country === "string" ? cf.country : null),
  });
  const caller = await verifyAccessToken(pair.accessToken, { ...deps.tokens, clock: deps.clock });
  if (!isStaff(caller)) {
    await logout(deps.db, deps.clock, pair.refreshToken);
    // What the admin API answers a shopper's token.
    throw new AppError("forbidden", { detail: "The admin API is for sellers and operators" });
  }
  writeSession(c, pair, input.username);
}
