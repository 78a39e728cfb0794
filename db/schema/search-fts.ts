/**
 * The FTS5 index over `search_documents`, created by the hand-written migration 0004 (drizzle-kit
 * cannot declare virtual tables). Declared here only so queries are typed; this file is not
 * exported from db/schema/index.ts, so drizzle-kit never tries to create it as a plain table.
 */
import { sqliteTable, text } from "drizzle-orm/sqlite-core";

export const searchFts = sqliteTable("search_fts", {
  productId: text("product_id").notNull(),
  tokens: text("tokens").notNull(),
});
