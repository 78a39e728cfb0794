/**
 * The lockout counter (`login_throttles`). One atomic upsert per attempt claims the attempt
 * before the password is checked, so concurrent guesses can never exceed the budget: of N
 * parallel attempts on one account, only the first `max` are checked at all.
 */
import { eq, sql } from "drizzle-orm";
import { loginThrottles } from "../../db/schema";
import type { Db } from "../platform/db";

export interface ThrottleRule {
  /** Attempts per window before the lock. */
  max: number;
  windowMs: number;
  lockMs: number;
}

/**
 * Claims one attempt for `key` at `now`. Returns the attempt's number in the current window and
 * the lock's end. The claim that reaches `max` sets the lock (a success clears it again), so
 * every later attempt in the window sees it.
 */
export async function claimAttempt(db: Db, key: string, now: number, rule: ThrottleRule) {
  const t = loginThrottles;
  const activeLock = sql`(${t.lockedUntil} IS NOT NULL AND ${t.lockedUntil} > ${now})`;
  const stale = sql`(NOT ${activeLock} AND (${t.windowStart} <= ${now - rule.windowMs} OR ${t.lockedUntil} IS NOT NULL))`;
  const rows = await db
    .insert(t)
    .values({ key, windowStart: now, attempts: 1, lockedUntil: rule.max <= 1 ? now + rule.lockMs : null })
    .onConflictDoUpdate({
      target: t.key,
      set: {
        attempts: sql`CASE WHEN ${stale} THEN 1 ELSE ${t.attempts} + 1 END`,
        windowStart: sql`CASE WHEN ${stale} THEN ${now} ELSE ${t.windowStart} END`,
        lockedUntil: sql`CASE
          WHEN ${activeLock} THEN ${t.lockedUntil}
          WHEN ${stale} THEN ${rule.max <= 1 ? now + rule.lockMs : null}
          WHEN ${t.attempts} + 1 >= ${rule.max} THEN ${now + rule.lockMs}
          ELSE NULL END`,
      },
    })
    .returning({ attempts: t.attempts, lockedUntil: t.lockedUntil });
  const row = rows[0];
  if (!row) throw new Error("login throttle upsert returned no row");
  return row;
}

/** Clears the counter after a successful login. */
export async function clearAttempts(db: Db, key: string): Promise<void> {
  await db.delete(loginThrottles).where(eq(loginThrottles.key, key));
}
