/**
 * A fixed-window rate limiter, one object per limited key (`login-ip:<ip>`, later `checkout-user:<id>`).
 * The object serializes the counting, so the limit holds exactly under concurrency; the window is
 * kept in the object's SQLite storage, so an eviction does not reset it. Limits come from Worker
 * vars, passed in by the caller, so each environment sets its own.
 */
import { DurableObject } from "cloudflare:workers";

export interface RateLimitDecision {
  allowed: boolean;
  /** Hits left in this window after this one. */
  remaining: number;
  /** When a refused caller may try again. */
  retryAfterMs: number;
}

export class RateLimiter extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY CHECK (id = 1), start INTEGER NOT NULL, count INTEGER NOT NULL)",
    );
  }

  /** Counts one hit at `now` against `limit` hits per `windowMs`. */
  hit(limit: number, windowMs: number, now: number): RateLimitDecision {
    if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(windowMs) || windowMs < 1) {
      throw new RangeError("limit and windowMs must be positive integers");
    }
    const start = now - (now % windowMs);
    const row = this.ctx.storage.sql
      .exec<{ start: number; count: number }>("SELECT start, count FROM hits WHERE id = 1")
      .toArray()[0];
    const count = row && row.start === start ? row.count : 0;
    if (count >= limit) return { allowed: false, remaining: 0, retryAfterMs: start + windowMs - now };
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO hits (id, start, count) VALUES (1, ?, ?)", start, count + 1);
    return { allowed: true, remaining: limit - count - 1, retryAfterMs: 0 };
  }
}
