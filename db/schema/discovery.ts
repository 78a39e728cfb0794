/**
 * Discovery's tables (SPEC §3 Discovery): the composed home pages (platform and per shop, a draft
 * and the published copy), reviews and the per-product rating they add up to, and what the
 * recommendations read: co-purchase counts kept from paid orders and the shoppers' product views.
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { shops } from "./users";

/**
 * One home page: the platform's (`platform`) or a shop's (`shop:<shopId>`). Operators and sellers
 * edit the draft; publishing copies it to `published` and moves `publishedVersion`, which the
 * storefront's edge-cache key carries, so a publish is never served stale.
 */
export const homePages = sqliteTable("home_pages", {
  pageId: text("page_id").primaryKey(),
  shopId: text("shop_id").references(() => shops.id),
  /** JSON array of modules (shared/discovery/home-modules.ts). */
  draft: text("draft").notNull(),
  draftVersion: integer("draft_version").notNull().default(1),
  /** JSON array of the modules live now; null until the first publish. */
  published: text("published"),
  publishedVersion: integer("published_version").notNull().default(0),
  /**
   * JSON sorted list of the published modules' schedule instants (ms): how many of them have
   * passed is part of the cache key, so a module appears and disappears on time.
   */
  boundaries: text("boundaries").notNull().default("[]"),
  publishedAt: integer("published_at"),
  publishedBy: text("published_by"),
  updatedAt: integer("updated_at").notNull(),
  updatedBy: text("updated_by").notNull(),
});

/** A shopper's review of one item of a COMPLETED order: one per order item. */
export const reviews = sqliteTable(
  "reviews",
  {
    id: text("id").primaryKey(),
    orderItemId: text("order_item_id").notNull().unique(),
    orderId: text("order_id").notNull(),
    productId: text("product_id").notNull(),
    skuId: text("sku_id").notNull(),
    shopId: text("shop_id").notNull(),
    userId: text("user_id").notNull(),
    stars: integer("stars").notNull(),
    text: text("text").notNull(),
    /** JSON array of image URLs (uploaded through the image routes). */
    images: text("images").notNull().default("[]"),
    reply: text("reply"),
    repliedAt: integer("replied_at"),
    /** Set when an operator hid it: hidden reviews leave the list and the rating. */
    hiddenAt: integer("hidden_at"),
    hiddenBy: text("hidden_by"),
    hiddenReason: text("hidden_reason"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("reviews_product_visible").on(t.productId, t.hiddenAt, t.createdAt)],
);

/** A product's rating: the visible reviews' count and star sum, changed in the review's own batch. */
export const productRatings = sqliteTable("product_ratings", {
  productId: text("product_id").primaryKey(),
  count: integer("count").notNull().default(0),
  starsSum: integer("stars_sum").notNull().default(0),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * How many paid orders held both products (stored both ways, so "bought together with X" is one
 * range read of X's rows by count).
 */
export const coPurchases = sqliteTable(
  "co_purchases",
  {
    productId: text("product_id").notNull(),
    otherProductId: text("other_product_id").notNull(),
    orders: integer("orders").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.otherProductId] }),
    index("co_purchases_by_count").on(t.productId, t.orders),
  ],
);

/** The paid orders already counted into co_purchases: written in the counting batch, so a redelivery adds nothing. */
export const coPurchaseOrders = sqliteTable("co_purchase_orders", {
  orderId: text("order_id").primaryKey(),
  countedAt: integer("counted_at").notNull(),
});

/** A signed-in shopper's product views (the last one and how many), for "for you". */
export const productViews = sqliteTable(
  "product_views",
  {
    userId: text("user_id").notNull(),
    productId: text("product_id").notNull(),
    views: integer("views").notNull().default(1),
    lastViewedAt: integer("last_viewed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.productId] }), index("product_views_recent").on(t.userId, t.lastViewedAt)],
);

/**
 * An A/B experiment: shoppers (or guests by cart token) split into weighted variants by a stable
 * hash of (experiment, unit); `target` names what the variants change (home or recommendations).
 */
export const experiments = sqliteTable("experiments", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  target: text("target", { enum: ["home", "recommendations"] }).notNull(),
  unit: text("unit", { enum: ["user"] }).notNull(),
  /** JSON `[{name, weight, config}]`. */
  variants: text("variants").notNull(),
  /** Orders placed within this many hours of the unit's first exposure count as its conversions. */
  windowHours: integer("window_hours").notNull(),
  status: text("status", { enum: ["running", "stopped"] }).notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** A unit's first exposure to an experiment, with the variant its hash gave it (once per unit). */
export const experimentExposures = sqliteTable(
  "experiment_exposures",
  {
    experimentId: text("experiment_id").notNull(),
    unitId: text("unit_id").notNull(),
    variant: text("variant").notNull(),
    exposedAt: integer("exposed_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.experimentId, t.unitId] }),
    // The order.paid consumer finds a shopper's exposures by unit alone.
    index("experiment_exposures_unit").on(t.unitId, t.exposedAt),
  ],
);

/** A paid order attributed to an exposed unit within the window (once per experiment and order). */
export const experimentConversions = sqliteTable(
  "experiment_conversions",
  {
    experimentId: text("experiment_id").notNull(),
    orderId: text("order_id").notNull(),
    unitId: text("unit_id").notNull(),
    variant: text("variant").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    convertedAt: integer("converted_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.experimentId, t.orderId] }),
    index("experiment_conversions_variant").on(t.experimentId, t.variant),
  ],
);
