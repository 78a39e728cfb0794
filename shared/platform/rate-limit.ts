/**
 * Rate limits on top of the `RateLimiter` Durable Object: one object per limited key, limits from
 * Worker vars (each environment sets its own). A refused request is answered the standard way:
 * 429 problem+json `rate_limited` with `Retry-After` and the IETF RateLimit header fields
 * (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy: "login-ip";q=20;w=60` names the policy,
 * its quota and window in seconds; `RateLimit: "login-ip";r=0;t=42` what remains and the seconds
 * until the window resets).
 */
import type { RateLimiter } from "../../durable-objects/rate-limiter";
import { AppError } from "./errors";

export interface RateLimit {
  /** Hits allowed per window. */
  limit: number;
  windowMs: number;
  /** The policy's name in the RateLimit headers; by default the key's first segment (`login-ip`). */
  name?: string;
}

/** The policy name of `key` under `rule`. */
function policyOf(key: string, rule: RateLimit): string {
  return rule.name ?? key.split(":")[0] ?? key;
}

/** The `RateLimit-Policy` and `RateLimit` header fields for a decision under `rule`. */
export function rateLimitHeaders(
  policy: string,
  rule: RateLimit,
  remaining: number,
  resetSeconds: number,
): Record<"RateLimit-Policy" | "RateLimit", string> {
  const window = Math.ceil(rule.windowMs / 1000);
  return {
    "RateLimit-Policy": `"${policy}";q=${rule.limit};w=${window}`,
    RateLimit: `"${policy}";r=${Math.max(0, remaining)};t=${resetSeconds}`,
  };
}

/**
 * Counts a hit for `key`; throws 429 `rate_limited` with `Retry-After`, `RateLimit-Policy` and
 * `RateLimit` (and the policy in the problem's members) when over the limit.
 */
export async function enforceRateLimit(
  namespace: DurableObjectNamespace<RateLimiter>,
  key: string,
  rule: RateLimit,
  now: number,
): Promise<void> {
  const decision = await namespace.getByName(key).hit(rule.limit, rule.windowMs, now);
  if (!decision.allowed) {
    const policy = policyOf(key, rule);
    // The window is fixed, so the seconds until it resets are also when a retry may pass.
    const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw new AppError("rate_limited", {
      detail: `Too many requests for ${policy} (${rule.limit} per ${Math.ceil(rule.windowMs / 1000)} s); retry in ${retryAfter} s`,
      headers: { "Retry-After": String(retryAfter), ...rateLimitHeaders(policy, rule, 0, retryAfter) },
      extensions: { policy, limit: rule.limit, windowSeconds: Math.ceil(rule.windowMs / 1000) },
    });
  }
}
