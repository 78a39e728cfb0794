/**
 * Access tokens and the caller. Access tokens are short-lived HS256 JWTs (jose) whose
 * verification pins the algorithm, issuer, audience and `typ`, and requires `exp`, `sub` and
 * `jti` (jose checks `exp` only when present unless told to require it).
 */
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { Clock } from "./clock";
import { AppError } from "./errors";
import { newId } from "./ids";

export const ROLES = ["shopper", "seller", "operator"] as const;
export type Role = (typeof ROLES)[number];

/** What an API key may be allowed to do; a logged-in seller may do all of it for its shop. */
export const API_SCOPES = [
  "catalog:read",
  "catalog:write",
  "prices:write",
  "stock:write",
  "orders:read",
  "orders:write",
  "bulk:write",
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Who is calling: resolved once per request from its credentials. */
export interface Caller {
  /** The user id (`usr_...`), the JWT `sub`; for an API key, the user who created it. */
  userId: string;
  roles: Role[];
  /** The shop a seller acts for; absent for shoppers and operators. */
  shopId?: string;
  /** Set when the caller authenticated with an API key. */
  apiKeyId?: string;
  /** An API key's scopes; absent for logged-in users, whom their role alone limits. */
  scopes?: ApiScope[];
}

/** The shape of a `Caller` (kept with asynchronous work, so it runs with the submitter's rights). */
export const callerSchema = z.object({
  userId: z.string().min(1),
  roles: z.array(z.enum(ROLES)).min(1),
  shopId: z.string().min(1).optional(),
  apiKeyId: z.string().min(1).optional(),
  scopes: z.array(z.enum(API_SCOPES)).optional(),
});

/**
 * The one scope check: an API-key caller must hold `scope`; logged-in users are limited by role
 * alone. Routes call it through `requireScope`; asynchronous jobs call it per row.
 */
export function assertScope(caller: Caller, scope: ApiScope): void {
  if (caller.apiKeyId && !caller.scopes?.includes(scope)) {
    throw new AppError("forbidden", { detail: `This API key lacks the scope ${scope}` });
  }
}

/** Header `typ` of our access tokens (RFC 9068), so no other JWT we sign passes as one. */
export const ACCESS_TOKEN_TYPE = "at+jwt";
const ALGORITHM = "HS256";

export interface TokenConfig {
  secret: string;
  issuer: string;
  audience: string;
  clock: Clock;
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  roles: z.array(z.enum(ROLES)).min(1),
  shop: z.string().optional(),
});

function keyOf(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** Signs an access token for `caller`, valid `ttlSeconds` (the spec caps it at 15 minutes). */
export async function signAccessToken(caller: Caller, config: TokenConfig, ttlSeconds = 900): Promise<string> {
  const now = Math.floor(config.clock.now() / 1000);
  return new SignJWT({ roles: caller.roles, ...(caller.shopId ? { shop: caller.shopId } : {}) })
    .setProtectedHeader({ alg: ALGORITHM, typ: ACCESS_TOKEN_TYPE })
    .setSubject(caller.userId)
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(newId("request", config.clock.now()).slice(4))
    .sign(keyOf(config.secret));
}

/** Verifies an access token and returns its caller; any defect is a 401 `invalid_token`. */
export async function verifyAccessToken(token: string, config: TokenConfig): Promise<Caller> {
  try {
    const { payload } = await jwtVerify(token, keyOf(config.secret), {
      algorithms: [ALGORITHM],
      issuer: config.issuer,
      audience: config.audience,
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ["exp", "iat", "sub", "jti"],
      currentDate: new Date(config.clock.now()),
    });
    const claims = claimsSchema.parse(payload);
    return { userId: claims.sub, roles: claims.roles, ...(claims.shop ? { shopId: claims.shop } : {}) };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError || err instanceof z.ZodError) {
      throw new AppError("invalid_token", { detail: "The access token is invalid or expired", cause: err });
    }
    throw err;
  }
}

/** The bearer credential of an `Authorization` header, or null when there is none. */
export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}
