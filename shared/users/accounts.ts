/**
 * Accounts: registration, login with lockout, token refresh and logout, and the caller a user
 * acts as. Route handlers call these with their dependencies; nothing here knows about HTTP.
 */
import { z } from "zod";
import type { RateLimiter } from "../../durable-objects/rate-limiter";
import { type Caller, signAccessToken, type TokenConfig } from "../platform/auth";
import type { Clock } from "../platform/clock";
import { sha256Hex } from "../platform/crypto";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";
import { enforceRateLimit, type RateLimit } from "../platform/rate-limit";
import { coinBalance } from "../promotions/coins";
import { classifyIdentifier, emailSchema, phoneSchema, usernameSchema } from "./identifiers";
import { insertLoginLog, seenBefore } from "./login-log-repo";
import { claimAttempt, clearAttempts, type ThrottleRule } from "./login-throttle-repo";
import { DUMMY_HASH, needsRehash } from "./password";
import type { PasswordHasher } from "./password-hasher";
import { MAX_PASSWORD_LENGTH, weakPasswordReason } from "./password-policy";
import { endSession, rotate, startSession } from "./sessions";
import { findUserById, findUserByLogin, insertUser, shopIdOf, type UserRow, updatePasswordHash } from "./users-repo";

/** Access tokens live 15 minutes, the spec's ceiling. */
export const ACCESS_TOKEN_TTL_SECONDS = 900;

/** The seed's lockout: 5 failed logins within 10 minutes lock the account for 10 minutes. */
export const LOCKOUT: ThrottleRule = { max: 5, windowMs: 10 * 60 * 1000, lockMs: 10 * 60 * 1000 };

export const registerBody = z
  .object({
    username: usernameSchema,
    email: emailSchema.optional(),
    phone: phoneSchema.optional(),
    password: z
      .string()
      .min(1, "is required")
      .max(MAX_PASSWORD_LENGTH * 4, "is too long"),
  })
  .strict();
export type RegisterBody = z.infer<typeof registerBody>;

export const loginBody = z
  .object({
    username: z.string().min(1, "is required").max(254).describe("Username, email or phone"),
    password: z
      .string()
      .min(1, "is required")
      .max(MAX_PASSWORD_LENGTH * 4, "is too long"),
  })
  .strict();
export type LoginBody = z.infer<typeof loginBody>;

export const tokenPairSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int().describe("Seconds until the access token expires"),
  tokenType: z.literal("Bearer"),
});
export type TokenPair = z.infer<typeof tokenPairSchema>;

/** Where a login came from, for the login log and abnormal-login flags. */
export interface LoginMeta {
  ip: string;
  userAgent: string | null;
  /** A client-supplied stable device id (`X-Device-Id`), when the app sends one. */
  deviceId: string | null;
  country: string | null;
}

export interface AuthDeps {
  db: Db;
  clock: Clock;
  tokens: Omit<TokenConfig, "clock">;
}

export interface LoginDeps extends AuthDeps {
  /** The password-hasher Worker: the login's one hash runs there, not in this isolate. */
  passwords: PasswordHasher;
  limiter: DurableObjectNamespace<RateLimiter>;
  /** Login attempts allowed per client IP (a Worker var). */
  ipLimit: RateLimit;
}

/** The per-client-IP limit on registrations: each one costs a 32 MiB scrypt. */
export interface RegisterGuard {
  limiter: DurableObjectNamespace<RateLimiter>;
  ipLimit: RateLimit;
  ip: string;
}

/**
 * Registers a shopper; 409 when the username, email or phone is taken, 400 for a weak password.
 * With a guard, the client IP's limit is counted first (429 `rate_limited`), before any hashing.
 */
export async function register(
  db: Db,
  clock: Clock,
  passwords: PasswordHasher,
  input: RegisterBody,
  guard?: RegisterGuard,
): Promise<{ userId: string }> {
  if (guard) await enforceRateLimit(guard.limiter, `register-ip:${guard.ip}`, guard.ipLimit, clock.now());
  const weak = await weakPasswordReason(input.password, input);
  if (weak) {
    throw new AppError("weak_password", { detail: `password ${weak}`, errors: [{ field: "password", reason: weak }] });
  }
  const now = clock.now();
  const userId = newId("user", now);
  await insertUser(db, {
    id: userId,
    username: input.username,
    email: input.email ?? null,
    phone: input.phone ?? null,
    passwordHash: await passwords.hash(input.password),
    role: "shopper",
    createdAt: now,
    updatedAt: now,
  });
  return { userId };
}

/** The caller a user acts as: its role, and its shop when it is a seller. */
export async function callerOf(db: Db, user: UserRow): Promise<Caller> {
  const shopId = user.role === "seller" ? await shopIdOf(db, user.id) : undefined;
  return { userId: user.id, roles: [user.role], ...(shopId ? { shopId } : {}) };
}

async function issuePair(deps: AuthDeps, caller: Caller, refreshToken: string): Promise<TokenPair> {
  const accessToken = await signAccessToken(caller, { ...deps.tokens, clock: deps.clock }, ACCESS_TOKEN_TTL_SECONDS);
  return { accessToken, refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS, tokenType: "Bearer" };
}

const INVALID_CREDENTIALS = "The username or password is incorrect";

/**
 * Logs a user in. Order matters: the per-IP limit, then the account's attempt budget is claimed
 * atomically (so parallel guesses cannot exceed it), then exactly one password hash is checked,
 * also for unknown identifiers, which answer exactly like a wrong password.
 */
export async function login(
  deps: LoginDeps,
  input: LoginBody,
  meta: LoginMeta,
): Promise<TokenPair & { userId: string }> {
  const { db, clock } = deps;
  const now = clock.now();
  const identifier = classifyIdentifier(input.username);
  const identifierHash = await sha256Hex(`${identifier.kind}:${identifier.value}`);
  const deviceHash = await sha256Hex(meta.deviceId ? `device:${meta.deviceId}` : `ua:${meta.userAgent ?? ""}`);
  const log = (
    outcome: "success" | "invalid_credentials" | "locked" | "rate_limited",
    userId: string | null,
    flags = { newDevice: false, newCountry: false },
  ) =>
    insertLoginLog(db, {
      id: newId("loginLog", now),
      userId,
      identifierHash,
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 512) ?? null,
      deviceHash,
      country: meta.country,
      outcome,
      ...flags,
      createdAt: now,
    });

  try {
    await enforceRateLimit(deps.limiter, `login-ip:${meta.ip}`, deps.ipLimit, now);
  } catch (err) {
    await log("rate_limited", null);
    throw err;
  }

  const user = await findUserByLogin(db, identifier);
  const throttleKey = user ? `user:${user.id}` : `unknown:${identifierHash}`;
  const claim = await claimAttempt(db, throttleKey, now, LOCKOUT);
  if (claim.attempts > LOCKOUT.max && claim.lockedUntil !== null && claim.lockedUntil > now) {
    await log("locked", user?.id ?? null);
    const retryAfter = Math.ceil((claim.lockedUntil - now) / 1000);
    throw new AppError("account_locked", {
      detail: "Too many failed logins; try again later",
      headers: { "Retry-After": String(retryAfter) },
    });
  }

  const passwordOk = await deps.passwords.verify(input.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !passwordOk || user.status !== 1) {
    await log("invalid_credentials", user?.id ?? null);
    throw new AppError("invalid_credentials", { detail: INVALID_CREDENTIALS });
  }

  await clearAttempts(db, throttleKey);
  if (needsRehash(user.passwordHash)) {
    await updatePasswordHash(db, user.id, await deps.passwords.hash(input.password), now);
  }
  const seen = await seenBefore(db, user.id, deviceHash, meta.country);
  await log("success", user.id, { newDevice: !seen.device, newCountry: !seen.country });
  return {
    ...(await issuePair(deps, await callerOf(db, user), await startSession(db, user.id, now))),
    userId: user.id,
  };
}

/** Exchanges a refresh token for a new pair (rotation); the caller is re-read, so role changes apply. */
export async function refresh(deps: AuthDeps, refreshToken: string): Promise<TokenPair> {
  const rotated = await rotate(deps.db, refreshToken, deps.clock.now());
  const user = await findUserById(deps.db, rotated.userId);
  if (user?.status !== 1) throw new AppError("invalid_token", { detail: "The account is not active" });
  return issuePair(deps, await callerOf(deps.db, user), rotated.refreshToken);
}

/** Ends the session of `refreshToken`. */
export async function logout(db: Db, clock: Clock, refreshToken: string): Promise<void> {
  await endSession(db, refreshToken, clock.now());
}

export const profileSchema = z.object({
  userId: z.string(),
  username: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  roles: z.array(z.string()),
  shopId: z.string().nullable(),
  coins: z.object({ balance: z.number().int().describe("Coins to spend at checkout (1 coin = 1 fen)") }),
  vipLevel: z.number().int(),
  createdAt: z.string(),
});
export type Profile = z.infer<typeof profileSchema>;

/** The profile of `userId` as its owner sees it. */
export async function profile(db: Db, userId: string): Promise<Profile> {
  const user = await findUserById(db, userId);
  if (!user) throw new AppError("not_found", { detail: "The account no longer exists" });
  const caller = await callerOf(db, user);
  return {
    userId: user.id,
    username: user.username,
    email: user.email,
    phone: user.phone,
    roles: caller.roles,
    shopId: caller.shopId ?? null,
    coins: { balance: await coinBalance(db, user.id) },
    vipLevel: user.vipLevel,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}
