/**
 * Flash-sale campaigns (秒杀, SPEC §5): a SKU sold at a flash price, a quota carved out of the SKU's
 * available stock when the campaign is created (a hold `flash:<campaignId>` in the SKU's object),
 * a window and a per-shopper limit. Admission, quota and purchase rights live in the campaign's
 * coordinator and bucket objects (shared/flash-sales/quota.ts); this row is the campaign's
 * definition and, once it settles, its outcome.
 *
 * `status` moves SCHEDULED → RUNNING → ENDED by time; the stored value moves to ENDED when the
 * campaign settles (its quota closed and the unsold units back in the SKU's stock), which happens
 * once, after `endsAt` plus the purchase window, on the cron or the first read after it.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { skus } from "./catalog";

export const FLASH_SALE_STATUSES = ["SCHEDULED", "RUNNING", "ENDED"] as const;

export const flashSaleCampaigns = sqliteTable(
  "flash_sale_campaigns",
  {
    id: text("id").primaryKey(),
    skuId: text("sku_id")
      .notNull()
      .references(() => skus.id),
    /** The SKU's shop (whose seller manages the campaign). */
    shopId: text("shop_id").notNull(),
    /** The flash price, minor units of `currency`. */
    priceAmount: integer("price_amount").notNull(),
    currency: text("currency").notNull(),
    quota: integer("quota").notNull(),
    /** How many bucket objects share the quota. */
    buckets: integer("buckets").notNull(),
    perUserLimit: integer("per_user_limit").notNull(),
    startsAt: integer("starts_at").notNull(),
    /** When admission ends (moved earlier when a campaign is ended early). */
    endsAt: integer("ends_at").notNull(),
    status: text("status", { enum: FLASH_SALE_STATUSES }).notNull(),
    /** Units sold and returned to the SKU's stock, known once the campaign settled. */
    sold: integer("sold"),
    unsold: integer("unsold"),
    settledAt: integer("settled_at"),
    endedEarlyBy: text("ended_early_by"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("flash_sale_campaigns_shop").on(t.shopId, t.createdAt),
    index("flash_sale_campaigns_settle").on(t.status, t.endsAt),
    // The open campaigns (not settled, ending later) the home page's cache key counts on every
    // home request, and the slot lists soonest ending first: unsettled first, so only those are read.
    index("flash_sale_campaigns_open").on(t.settledAt, t.endsAt),
  ],
);
