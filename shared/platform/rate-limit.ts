/** Rate limits on top of the `RateLimiter` Durable Object: one object per limited key. */
import type { RateLimiter } from "../../durable-objects/rate-limiter";
import { AppError } from "./errors";

export interface RateLimit {
  /** Hits allowed per window. */
  limit: number;
  windowMs: number;
}

/** Counts a hit for `key`; throws 429 `rate_limited` with `Retry-After` when over the limit. */
export async function enforceRateLimit(
  namespace: DurableObjectNamespace<RateLimiter>,
  key: string,
  rule: RateLimit,
  now: number,
): Promise<void> {
  const decision = await namespace.getByName(key).hit(rule.limit, rule.windowMs, now);
  if (!decision.allowed) {
    throw new AppError("rate_limited", {
      detail: "Too many attempts; retry later",
      headers: { "Retry-After": String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))) },
    });
  }
}
