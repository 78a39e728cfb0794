/**
 * Promotions (seed: 营销与促销; SPEC §7): vouchers with their codes, the shoppers' claims (the
 * wallet), each use of a voucher by a checkout, threshold discounts (满减), and the discounts an
 * order got, per source, with each line's share.
 *
 * The voucher row is where its limits are serialized: `taken` (uses held or consumed) and
 * `budget_taken` (their amounts) only move by conditional updates inside the D1 batch that
 * inserts or returns a use, and D1 runs batches one at a time, so a voucher is never taken past
 * `total_count`, `budget`, or a shopper's `per_user_limit` (docs/decisions.md).
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** A voucher: platform-wide (operators') or one shop's (its seller's). */
export const vouchers = sqliteTable(
  "vouchers",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    scope: text("scope", { enum: ["platform", "shop"] }).notNull(),
    /** The shop of a shop voucher; null for platform vouchers. */
    shopId: text("shop_id"),
    kind: text("kind", { enum: ["fixed", "percent"] }).notNull(),
    /** Minor units of `currency` when fixed; the percent off (1–99) when percent. */
    value: integer("value").notNull(),
    /** The currency of the voucher's amounts (value when fixed, maxDiscount, minSpend, budget). */
    currency: text("currency").notNull(),
    /** The most a percent voucher takes off, in minor units. */
    maxDiscount: integer("max_discount"),
    /** The eligible goods must come to at least this (minor units). */
    minSpend: integer("min_spend").notNull(),
    /** Only goods in this category's subtree are eligible. */
    categoryId: integer("category_id"),
    /** JSON array: only these SKUs are eligible. */
    skuIds: text("sku_ids"),
    startsAt: integer("starts_at").notNull(),
    endsAt: integer("ends_at").notNull(),
    /** How many uses (and, for claimable vouchers, claims) it allows in all. */
    totalCount: integer("total_count").notNull(),
    perUserLimit: integer("per_user_limit").notNull(),
    /** The most its uses may take off in all (minor units); null for no budget. */
    budget: integer("budget"),
    claimable: integer("claimable", { mode: "boolean" }).notNull(),
    codeMode: text("code_mode", { enum: ["single", "batch"] }).notNull(),
    /** Uses held or consumed (returned ones are given back). */
    taken: integer("taken").notNull().default(0),
    /** What those uses take off, in minor units. */
    budgetTaken: integer("budget_taken").notNull().default(0),
    /** Claims into wallets. */
    claimed: integer("claimed").notNull().default(0),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("vouchers_shop_window").on(t.shopId, t.endsAt)],
);

/** A voucher's codes: one shared code (mode single) or a batch of unique single-use codes. */
export const voucherCodes = sqliteTable(
  "voucher_codes",
  {
    code: text("code").primaryKey(),
    voucherId: text("voucher_id")
      .notNull()
      .references(() => vouchers.id),
    /** The shopper a batch code was claimed by (a claimable batch voucher hands out one code per claim). */
    claimedBy: text("claimed_by"),
  },
  (t) => [index("voucher_codes_voucher").on(t.voucherId, t.claimedBy)],
);

/** A voucher claimed into a shopper's wallet. */
export const voucherClaims = sqliteTable(
  "voucher_claims",
  {
    id: text("id").primaryKey(),
    voucherId: text("voucher_id")
      .notNull()
      .references(() => vouchers.id),
    userId: text("user_id").notNull(),
    code: text("code").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("voucher_claims_user").on(t.userId, t.voucherId)],
);

/**
 * One checkout's use of a voucher: held when its orders are created, consumed when they are
 * paid, returned when they are cancelled (or time out) or wholly refunded. One per saga and voucher.
 */
export const voucherUses = sqliteTable(
  "voucher_uses",
  {
    id: text("id").primaryKey(),
    voucherId: text("voucher_id")
      .notNull()
      .references(() => vouchers.id),
    userId: text("user_id").notNull(),
    /** The order-creation saga that holds it (its pay order names the same saga). */
    sagaId: text("saga_id").notNull(),
    code: text("code").notNull(),
    /** What it took off, in minor units. */
    amount: integer("amount").notNull(),
    status: text("status", { enum: ["held", "consumed", "returned"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("voucher_uses_saga_voucher").on(t.sagaId, t.voucherId),
    index("voucher_uses_user").on(t.voucherId, t.userId, t.status),
    index("voucher_uses_code").on(t.code, t.status),
  ],
);

/**
 * A checkout whose holds were given back (its compensation, or the sweeper after taking its saga
 * over): a hold batch for it that arrives later holds nothing. The saga lives in the shopper's
 * order shard, so the hold cannot check the saga itself in its batch (the same tombstone the SKU
 * objects keep for a late reserve).
 */
export const promotionReleases = sqliteTable("promotion_releases", {
  sagaId: text("saga_id").primaryKey(),
  releasedAt: integer("released_at").notNull(),
});

/** A threshold discount (满减) of a shop: tiers of "spend at least X, get Y off", the best applies. */
export const thresholdDiscounts = sqliteTable(
  "threshold_discounts",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    shopId: text("shop_id").notNull(),
    currency: text("currency").notNull(),
    /** JSON `[{spend, off}]` in minor units, spend ascending. */
    tiers: text("tiers").notNull(),
    startsAt: integer("starts_at").notNull(),
    endsAt: integer("ends_at").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("threshold_discounts_shop_window").on(t.shopId, t.endsAt)],
);

/**
 * The discounts an order got, one row per source (threshold, shop voucher, platform voucher,
 * coins), with each line's exact share (JSON `{skuId: minor units}`, largest remainder): what a
 * refund of some lines returns of coins, and whether a voucher's use is wholly refunded.
 */
export const orderDiscounts = sqliteTable(
  "order_discounts",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id").notNull(),
    sagaId: text("saga_id").notNull(),
    source: text("source", { enum: ["threshold", "shop_voucher", "platform_voucher", "coins"] }).notNull(),
    /** The voucher or threshold discount it came from (null for coins). */
    sourceId: text("source_id"),
    amount: integer("amount").notNull(),
    lineShares: text("line_shares").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("order_discounts_order").on(t.orderId), index("order_discounts_saga").on(t.sagaId)],
);
