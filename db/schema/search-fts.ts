/**
 * The FTS5 index over `search_documents`, created by the hand-written migrations 0004 and 0036
 * (drizzle-kit cannot declare virtual tables). Besides the tokens it carries, unindexed, the
 * document's columns a text search filters, ranks and counts facets on, so it never reads a
 * document per match. Declared here only so queries are typed; this file is not
 * exported from db/schema/index.ts, so drizzle-kit never tries to create it as a plain table.
 */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const searchFts = sqliteTable("search_fts", {
  productId: text("product_id").notNull(),
  status: integer("status").notNull(),
  salesCount: integer("sales_count").notNull(),
  categoryPath: text("category_path").notNull(),
  categoryId: integer("category_id").notNull(),
  brandId: integer("brand_id"),
  tokens: text("tokens").notNull(),
});
