/** Promotion settings from Worker vars (API.md "Promotions"). */
import { z } from "zod";

export const promotionSettingsSchema = z
  .object({
    /** The most of an order's goods (after discounts) coins may pay, in percent. */
    COINS_MAX_PERCENT: z.coerce.number().int().min(0).max(100).default(50),
    /** Coins earned per whole currency unit paid, on completed orders. */
    COINS_EARN_PER_MAJOR: z.coerce.number().int().min(0).max(100).default(1),
  })
  .transform((e) => ({ coinsMaxPercent: e.COINS_MAX_PERCENT, coinsEarnPerMajor: e.COINS_EARN_PER_MAJOR }));
export type PromotionSettings = z.output<typeof promotionSettingsSchema>;

/** The defaults, for callers that pass no vars. */
export const DEFAULT_PROMOTION_SETTINGS: PromotionSettings = promotionSettingsSchema.parse({});
