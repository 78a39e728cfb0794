/**
 * What every flash-sale entry passes before the campaign's object is asked anything: the
 * operators' `flash-sales.entry` switch (503 `feature_disabled` while off) and the per-shopper
 * entry rate limit (429 `rate_limited` with the RateLimit headers), both cheap and both ahead of the
 * hottest object in a sale. The entry route calls `guardFlashSaleEntry` first.
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
});

export interface FlashSaleEntryGuardDeps {
  switches: SwitchDeps;
  limiter: DurableObjectNamespace<RateLimiter>;
  /** The Worker's env, for the configured limit. */
  env: object;
}

/** Refuses the entry while the switch is off or the shopper is over the entry rate. */
export async function guardFlashSaleEntry(deps: FlashSaleEntryGuardDeps, userId: string): Promise<void> {
  await requireSwitch(deps.switches, "flash-sales.entry");
  const { FLASH_SALE_ENTRY_USER_LIMIT_PER_MINUTE: limit } = readEnv(flashSaleEntryEnvSchema, deps.env);
  await enforceRateLimit(
    deps.limiter,
    `flash-sale-entry:user:${userId}`,
    { name: "flash-sale-entry", limit, windowMs: 60_000 },
    deps.switches.now,
  );
}
