/**
 * The console's session and CSRF protection.
 *
 * - The session is one cookie holding the access and refresh tokens the platform's login issued
 *   (and the username, for display only): `__Host-` (so only this origin, on `/`, can set it),
 *   HttpOnly, Secure, SameSite=Strict. Nothing in it is trusted without checking: the access token
 *   is verified on every request, and an expired one is exchanged for a new pair with the refresh
 *   token (the platform's rotation, so a stolen cookie's refresh token is detected on reuse).
 * - CSRF: a state change (any method but GET/HEAD) must come from this origin (`Origin` equal to
 *   the request's own) and carry the token of the `__Host-console-csrf` cookie in the form field
 *   `_csrf` or the `X-CSRF-Token` header (htmx sends it); SameSite=Strict is a third line.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import type { AppContext } from "../../../shared/platform/app-env";
import { type Caller, verifyAccessToken } from "../../../shared/platform/auth";
import { randomToken, timingSafeEqual } from "../../../shared/platform/crypto";
import { dbOf } from "../../../shared/platform/db";
import { authEnvSchema, readEnv } from "../../../shared/platform/env";
import { isAppError } from "../../../shared/platform/errors";
import { refresh, type TokenPair } from "../../../shared/users/accounts";
import { REFRESH_IDLE_TTL_MS } from "../../../shared/users/sessions";
import type { AdminBindings } from "../app";

export const SESSION_COOKIE = "__Host-console-session";
export const CSRF_COOKIE = "__Host-console-csrf";
/** Where forms put the CSRF token, and where htmx requests send it. */
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";

const COOKIE: CookieOptions = { path: "/", secure: true, httpOnly: true, sameSite: "Strict" };

/** The tokens in the session cookie, and who they were issued to (display only). */
export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  username: string;
}

/** A signed-in console user: valid tokens and the caller they resolve to. */
export interface ConsoleUser extends SessionTokens {
  caller: Caller;
}

const TOKEN = /^[A-Za-z0-9._-]{1,4096}$/;
const SEPARATOR = "~";

/** The cookie value for `tokens`: the three parts joined by `~` (no token contains one). */
export function encodeSession(tokens: SessionTokens): string {
  return [tokens.accessToken, tokens.refreshToken, encodeURIComponent(tokens.username)].join(SEPARATOR);
}

/** The tokens of a session cookie value, or null for anything that is not one. */
export function decodeSession(value: string | undefined): SessionTokens | null {
  const parts = value?.split(SEPARATOR);
  if (parts?.length !== 3) return null;
  const [accessToken = "", refreshToken = "", username = ""] = parts;
  if (!TOKEN.test(accessToken) || !TOKEN.test(refreshToken)) return null;
  try {
    return { accessToken, refreshToken, username: decodeURIComponent(username) };
  } catch {
    return null;
  }
}

/** Writes the session cookie; it lives as long as an unused refresh token does. */
export function writeSession(c: Context, pair: TokenPair, username: string): void {
  setCookie(c, SESSION_COOKIE, encodeSession({ ...pair, username }), {
    ...COOKIE,
    maxAge: Math.floor(REFRESH_IDLE_TTL_MS / 1000),
  });
}

export function clearSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, COOKIE);
}

/** The tokens the request's cookie holds, unchecked (sign-out needs only the refresh token). */
export function sessionTokensOf(c: Context): SessionTokens | null {
  return decodeSession(getCookie(c, SESSION_COOKIE));
}

/** Whether the caller may use the console at all: the admin API is for sellers and operators. */
export function isStaff(caller: Caller): boolean {
  return caller.roles.some((r) => r === "seller" || r === "operator");
}

/**
 * The signed-in user of this request, or null. An expired (or otherwise refused) access token is
 * exchanged once for a new pair, written back to the cookie, so sessions outlive the 15-minute
 * token without the user noticing; a refresh the platform refuses (session ended, expired, reused)
 * clears the cookie.
 */
export async function consoleUserOf(c: AppContext<AdminBindings>): Promise<ConsoleUser | null> {
  const tokens = sessionTokensOf(c);
  if (!tokens) return null;
  const clock = c.var.clock;
  const config = { ...readEnv(authEnvSchema, c.env), clock };
  try {
    const caller = await verifyAccessToken(tokens.accessToken, config);
    return isStaff(caller) ? { ...tokens, caller } : null;
  } catch (err) {
    if (!isAppError(err)) throw err;
  }
  try {
    const pair = await refresh(
      { db: dbOf(c.env.DB), clock, tokens: readEnv(authEnvSchema, c.env) },
      tokens.refreshToken,
    );
    const caller = await verifyAccessToken(pair.accessToken, config);
    if (!isStaff(caller)) throw new Error("unreachable: a refreshed session keeps its role");
    writeSession(c, pair, tokens.username);
    return { ...pair, username: tokens.username, caller };
  } catch (err) {
    if (!isAppError(err)) throw err;
    clearSession(c);
    return null;
  }
}

/** The request's CSRF token, set as a cookie first when it has none (or `rotate` asks for a new one). */
export function csrfTokenOf(c: Context, rotate = false): string {
  const current = getCookie(c, CSRF_COOKIE);
  if (current && !rotate && TOKEN.test(current)) return current;
  const token = randomToken(32);
  // A session cookie (no Max-Age): a new browser session simply gets a new token.
  setCookie(c, CSRF_COOKIE, token, COOKIE);
  return token;
}

/** Why a state-changing request is refused as cross-site, or null when it may proceed. */
export function csrfRefusal(
  request: { url: string; method: string; origin: string | undefined; cookie: string | undefined },
  submitted: string | undefined,
): string | null {
  if (request.method === "GET" || request.method === "HEAD") return null;
  if (request.origin !== new URL(request.url).origin) return "The request did not come from this console's page.";
  if (!request.cookie || !submitted || !timingSafeEqual(request.cookie, submitted)) {
    return "The form's security token is missing or out of date.";
  }
  return null;
}

/** The CSRF token a request submitted: the header (htmx) or the form field. */
export async function submittedCsrfToken(c: Context): Promise<string | undefined> {
  const header = c.req.header(CSRF_HEADER);
  if (header) return header;
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) {
    return undefined;
  }
  const value = (await c.req.parseBody())[CSRF_FIELD];
  return typeof value === "string" ? value : undefined;
}
