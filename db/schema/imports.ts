/**
 * How a shop's imports map foreign catalogs onto ours (owned by the catalog domain). Today one
 * mapping: Shopify's `Type` or `Product Category` to one of our categories, with defaults for the
 * category's attributes and how Shopify's options and metafields name them. The seller manages it
 * (PUT /admin/v1/import-mappings/categories); imports read it row by row.
 */
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { categories } from "./catalog";
import { shops } from "./users";

/** One entry of a shop's category mapping, keyed by what it matches (normalised: case, spacing, `>`). */
export const importCategoryMappings = sqliteTable(
  "import_category_mappings",
  {
    shopId: text("shop_id")
      .notNull()
      .references(() => shops.id),
    /** Which Shopify column the entry matches: `Type` or `Product Category`. */
    source: text("source", { enum: ["type", "product_category"] }).notNull(),
    /** The matched text normalised (`normaliseMatch`), the lookup key. */
    matchKey: text("match_key").notNull(),
    /** The matched text as the seller wrote it, for the answer. */
    match: text("match").notNull(),
    categoryId: integer("category_id")
      .notNull()
      .references(() => categories.id),
    /** JSON `[{attributeId, value}]`: values for the category's attributes a row does not give. */
    attributeDefaults: text("attribute_defaults").notNull(),
    /** JSON `[{option, attributeId, values}]`: Shopify option names (and values) as our sales attributes. */
    options: text("options").notNull(),
    /** JSON `[{key, attributeId}]`: metafield columns (`namespace.key`) as our basic attributes. */
    metafields: text("metafields").notNull(),
    /** The entry's place in the list the seller gave. */
    position: integer("position").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.shopId, t.source, t.matchKey] })],
);
