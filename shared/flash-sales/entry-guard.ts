/**
 * What every flash-sale entry passes before the campaign's object is asked anything: the
 * operators' `flash-sales.entry` switch (503 `feature_disabled` while off), the per-shopper and the
 * per-client-IP entry rate limits (429 `rate_limited` with the RateLimit headers; the IP limit
 * stops one machine driving many accounts), all ahead of the hottest objects in a sale. The entry
 * (shared/flash-sales/admission.ts) calls `guardFlashSaleEntry` once the cheaper checks passed.
 */
import { z } from "zod";
import type { RateLimiter } from "../../durable-objects/rate-limiter";
import { readEnv } from "../platform/env";
import { enforceRateLimit } from "../platform/rate-limit";
import type { SwitchDeps } from "../platform/switches/switches";
import { requireSwitch } from "../platform/switches/switches";

export const flashSaleEntryEnvSchema = z.object({
  /** Entry attempts per shopper per minute (local dev raises it for load tests, API.md). */
  FLASH_SALE_ENTRY_USER_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(60),
  /** Entry attempts per client IP per minute (a campus or a carrier NAT shares one: generous). */
  FLASH_SALE_ENTRY_IP_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
});

export interface FlashSaleEntryGuardDeps {
  switches: SwitchDeps;
  limiter: DurableObjectNamespace<RateLimiter>;
  /** The Worker's env, for the configured limit. */
  env: object;
}

/** Refuses the entry while the switch is off, or the shopper or (when given) the client IP is over its entry rate. */
export async function guardFlashSaleEntry(deps: FlashSaleEntryGuardDeps, userId: string, ip?: string): Promise<void> {
  await requireSwitch(deps.switches, "flash-sales.entry");
  const limits = readEnv(flashSaleEntryEnvSchema, deps.env);
  await Promise.all([
    enforceRateLimit(
      deps.limiter,
      `flash-sale-entry:user:${userId}`,
      { name: "flash-sale-entry", limit: limits.FLASH_SALE_ENTRY_USER_LIMIT_PER_MINUTE, windowMs: 60_000 },
      deps.switches.now,
    ),
    ip === undefined
      ? Promise.resolve()
      : enforceRateLimit(
          deps.limiter,
          `flash-sale-entry:ip:${ip}`,
          { name: "flash-sale-entry-ip", limit: limits.FLASH_SALE_ENTRY_IP_LIMIT_PER_MINUTE, windowMs: 60_000 },
          deps.switches.now,
        ),
  ]);
}
