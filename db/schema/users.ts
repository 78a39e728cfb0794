/** Users, shops and their membership. Login logs, tokens and addresses arrive with accounts. */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** A person with credentials, per the seed's `users` table; `role` is shopper, seller or operator. */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull().unique(),
    email: text("email").unique(),
    phone: text("phone").unique(),
    /** `scrypt$N$r$p$salt$hash`: parameters and salt travel with the hash (see shared/users/password.ts). */
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ["shopper", "seller", "operator"] }).notNull(),
    /** 1 active, 0 disabled, as in the seed. */
    status: integer("status").notNull().default(1),
    coins: integer("coins").notNull().default(0),
    vipLevel: integer("vip_level").notNull().default(0),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("users_role").on(t.role)],
);

/** A seller's shop. Sellers act for exactly one shop; everything a seller sees is scoped to it. */
export const shops = sqliteTable("shops", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  ownerUserId: text("owner_user_id")
    .notNull()
    .references(() => users.id),
  status: integer("status").notNull().default(1),
  defaultCurrency: text("default_currency").notNull().default("CNY"),
  version: integer("version").notNull().default(1),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Which users act for which shop (the owner is a member too). */
export const shopMembers = sqliteTable(
  "shop_members",
  {
    shopId: text("shop_id")
      .notNull()
      .references(() => shops.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id)
      .unique(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("shop_members_shop").on(t.shopId)],
);

/** Every login attempt (seed: user_login_logs), with the flags that make an abnormal login visible. */
export const userLoginLogs = sqliteTable(
  "user_login_logs",
  {
    id: text("id").primaryKey(),
    /** Null when the identifier matched no user. */
    userId: text("user_id").references(() => users.id),
    /** SHA-256 of the normalized identifier typed, so attempts on unknown names can be traced. */
    identifierHash: text("identifier_hash").notNull(),
    ip: text("ip").notNull(),
    userAgent: text("user_agent"),
    /** SHA-256 of the device id header (or user agent when absent). */
    deviceHash: text("device_hash").notNull(),
    country: text("country"),
    outcome: text("outcome", { enum: ["success", "invalid_credentials", "locked", "rate_limited"] }).notNull(),
    newDevice: integer("new_device", { mode: "boolean" }).notNull().default(false),
    newCountry: integer("new_country", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("user_login_logs_user_created").on(t.userId, t.createdAt),
    index("user_login_logs_user_device").on(t.userId, t.deviceHash),
  ],
);

/**
 * Login attempts per account (or per unknown identifier), for the lockout: 5 attempts that fail
 * within 10 minutes lock it for 10 minutes. Updated by one atomic upsert per attempt.
 */
export const loginThrottles = sqliteTable("login_throttles", {
  key: text("key").primaryKey(),
  windowStart: integer("window_start").notNull(),
  attempts: integer("attempts").notNull(),
  lockedUntil: integer("locked_until"),
});

/** A login session: the chain of refresh tokens rotated from one login. Revoking it ends them all. */
export const refreshFamilies = sqliteTable(
  "refresh_families",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
    /** Absolute expiry: no rotation extends a session past it. */
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    /** `account_disabled`: an operator disabled the account (shared/users/account-status.ts). */
    revokedReason: text("revoked_reason", { enum: ["logout", "reuse_detected", "account_disabled"] }),
  },
  (t) => [index("refresh_families_user").on(t.userId)],
);

/** Refresh tokens, stored only as SHA-256 hashes; each is used once. */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    familyId: text("family_id")
      .notNull()
      .references(() => refreshFamilies.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    status: text("status", { enum: ["active", "used"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("refresh_tokens_family").on(t.familyId)],
);

/** A user's address book entry. */
export const addresses = sqliteTable(
  "addresses",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    recipient: text("recipient").notNull(),
    phone: text("phone").notNull(),
    country: text("country").notNull(),
    province: text("province").notNull(),
    city: text("city").notNull(),
    district: text("district"),
    line1: text("line1").notNull(),
    line2: text("line2"),
    postalCode: text("postal_code").notNull(),
    isDefault: integer("is_default", { mode: "boolean" }).notNull().default(false),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("addresses_user").on(t.userId, t.createdAt)],
);

/** Shop-scoped keys for sellers' own systems (the seed's OpenAPI push); only a hash is kept. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    shopId: text("shop_id")
      .notNull()
      .references(() => shops.id),
    name: text("name").notNull(),
    /** The first characters of the key, shown in lists so people can tell keys apart. */
    keyPrefix: text("key_prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    /** JSON array of scopes. */
    scopes: text("scopes").notNull(),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("api_keys_shop").on(t.shopId, t.createdAt)],
);

/** A shopping cart: a user's (one per user) or a guest's, found by the hash of its `X-Cart-Token`. */
export const carts = sqliteTable("carts", {
  id: text("id").primaryKey(),
  userId: text("user_id")
    .references(() => users.id)
    .unique(),
  tokenHash: text("token_hash").unique(),
  /** Set by the one login that merges this guest cart into an account cart. */
  mergedOp: text("merged_op"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  /** Guest carts lapse after 30 days without change; account carts do not. */
  expiresAt: integer("expires_at"),
});

/** A cart line: one SKU, its quantity, and the price it had when added (to flag changes). */
export const cartItems = sqliteTable(
  "cart_items",
  {
    cartId: text("cart_id")
      .notNull()
      .references(() => carts.id),
    skuId: text("sku_id").notNull(),
    quantity: integer("quantity").notNull(),
    addedUnitPrice: integer("added_unit_price"),
    currency: text("currency"),
    addedAt: integer("added_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.cartId, t.skuId] })],
);
