/**
 * On-shelf search documents counted per category path and brand, so the storefront's brand and
 * category facets of a browse (no text, no price, stock or attribute filter) sum a few hundred rows
 * instead of grouping every matching document. Triggers on `search_documents` (migration 0030) keep
 * it in the transaction of every write there (minus the old document, plus the new one), so the
 * indexer, rebuilds, concurrent indexing and SQL loads (the seed, the search bench) all keep it.
 * Invariant: it equals
 * `SELECT category_path, coalesce(brand_id, 0), count(*) FROM search_documents WHERE status = ON_SHELF GROUP BY 1, 2`.
 */
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const searchFacetCounts = sqliteTable(
  "search_facet_counts",
  {
    /** The documents' category path (`/1003/1003001/`), as their subtree filter reads it. */
    categoryPath: text("category_path").notNull(),
    categoryId: integer("category_id").notNull(),
    /** The brand's id, 0 for documents without a brand (a primary key cannot hold nulls apart). */
    brandKey: integer("brand_key").notNull(),
    /** On-shelf documents with this path and brand; rows at 0 stay (a product may come back). */
    onShelf: integer("on_shelf").notNull(),
  },
  (t) => [primaryKey({ columns: [t.categoryPath, t.brandKey] })],
);
