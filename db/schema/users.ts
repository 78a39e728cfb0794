/** Users, shops and their membership. Login logs, tokens and addresses arrive with accounts. */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
