/**
 * Refresh tokens with rotation and reuse detection (OAuth 2.0 Security BCP §4.14):
 * - a token is 256 random bits, handed out once and stored only as its SHA-256;
 * - each refresh uses the token up (compare-and-set `active` → `used`) and issues the next one in
 *   the same family; of two concurrent refreshes with one token exactly one wins, the other gets
 *   401 without harming the session;
 * - presenting a token that was already used (a stolen copy, or a replay) revokes the whole family;
 * - a family ends at its absolute expiry however often it is rotated, or at logout.
 */
import { and, eq, isNull } from "drizzle-orm";
import { refreshFamilies, refreshTokens } from "../../db/schema";
import { randomToken, sha256Hex } from "../platform/crypto";
import type { Db } from "../platform/db";
import { AppError } from "../platform/errors";
import { newId } from "../platform/ids";

/** A session lasts at most 30 days from login; an unused refresh token lapses after 14. */
export const SESSION_ABSOLUTE_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const REFRESH_IDLE_TTL_MS = 14 * 24 * 60 * 60 * 1000;

const REFRESH_PREFIX = "rt_";

function refused(detail: string): AppError {
  return new AppError("invalid_token", { detail });
}

async function issueToken(
  db: Db,
  familyId: string,
  userId: string,
  familyExpiresAt: number,
  now: number,
): Promise<string> {
  const token = `${REFRESH_PREFIX}${randomToken(32)}`;
  await db.insert(refreshTokens).values({
    tokenHash: await sha256Hex(token),
    familyId,
    userId,
    status: "active",
    createdAt: now,
    expiresAt: Math.min(familyExpiresAt, now + REFRESH_IDLE_TTL_MS),
  });
  return token;
}

/** Starts a session for `userId` and returns its first refresh token. */
export async function startSession(db: Db, userId: string, now: number): Promise<string> {
  const familyId = newId("session", now);
  const expiresAt = now + SESSION_ABSOLUTE_TTL_MS;
  await db.insert(refreshFamilies).values({ id: familyId, userId, createdAt: now, expiresAt });
  return issueToken(db, familyId, userId, expiresAt, now);
}

async function revokeFamily(db: Db, familyId: string, reason: "logout" | "reuse_detected", now: number): Promise<void> {
  await db
    .update(refreshFamilies)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(refreshFamilies.id, familyId), isNull(refreshFamilies.revokedAt)));
}

/** Uses up `token` and returns the user and the next refresh token; see the module comment. */
export async function rotate(db: Db, token: string, now: number): Promise<{ userId: string; refreshToken: string }> {
  const tokenHash = await sha256Hex(token);
  const row = await db.query.refreshTokens.findFirst({ where: eq(refreshTokens.tokenHash, tokenHash) });
  if (!row) throw refused("The refresh token is not valid");
  const family = await db.query.refreshFamilies.findFirst({ where: eq(refreshFamilies.id, row.familyId) });
  if (!family || family.revokedAt !== null) throw refused("The session was ended; log in again");
  if (family.expiresAt <= now || row.expiresAt <= now) throw refused("The session expired; log in again");
  if (row.status === "used") {
    await revokeFamily(db, family.id, "reuse_detected", now);
    throw refused("The refresh token was already used; every token of this session is now revoked");
  }
  const won = await db
    .update(refreshTokens)
    .set({ status: "used", usedAt: now })
    .where(and(eq(refreshTokens.tokenHash, tokenHash), eq(refreshTokens.status, "active")))
    .returning({ tokenHash: refreshTokens.tokenHash });
  if (won.length === 0) throw refused("The refresh token is being used by another request");
  return { userId: row.userId, refreshToken: await issueToken(db, family.id, row.userId, family.expiresAt, now) };
}

/** Ends the session `token` belongs to. Unknown tokens are ignored (logout is idempotent). */
export async function endSession(db: Db, token: string, now: number): Promise<void> {
  const row = await db.query.refreshTokens.findFirst({
    columns: { familyId: true },
    where: eq(refreshTokens.tokenHash, await sha256Hex(token)),
  });
  if (row) await revokeFamily(db, row.familyId, "logout", now);
}

/** The statement ending every open session of `userId` (its account was disabled), for the caller's batch. */
export function endSessionsOfUser(db: Db, userId: string, now: number) {
  return db
    .update(refreshFamilies)
    .set({ revokedAt: now, revokedReason: "account_disabled" })
    .where(and(eq(refreshFamilies.userId, userId), isNull(refreshFamilies.revokedAt)));
}

/** Whether the family is revoked, and why (for tests and support). */
export async function sessionStatus(db: Db, token: string) {
  const row = await db.query.refreshTokens.findFirst({ where: eq(refreshTokens.tokenHash, await sha256Hex(token)) });
  if (!row) return null;
  const family = await db.query.refreshFamilies.findFirst({ where: eq(refreshFamilies.id, row.familyId) });
  return { tokenStatus: row.status, revokedReason: family?.revokedReason ?? null };
}
