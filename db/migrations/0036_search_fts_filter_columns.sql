-- Written by hand (drizzle-kit cannot declare virtual tables). search_fts also carries, as
-- UNINDEXED columns, what a text search filters and ranks on (status, the sales boost, the
-- category path and brand) and what its facets count (category and brand), so a word search
-- ranks and pages its matches without a lookup into search_documents for each one (12,801 for
-- `T恤` at 100,000 products); only the page's rows are joined. They come before `tokens` so a
-- row's long token text is never read for them. The indexer writes them from the document in
-- the same batch. Rebuilt from the existing index and documents (an index row without a document
-- was never answered, so it is left out).
CREATE VIRTUAL TABLE `search_fts_next` USING fts5(
  `product_id` UNINDEXED,
  `status` UNINDEXED,
  `sales_count` UNINDEXED,
  `category_path` UNINDEXED,
  `category_id` UNINDEXED,
  `brand_id` UNINDEXED,
  `tokens`,
  tokenize = "unicode61 remove_diacritics 2 separators ' '"
);
--> statement-breakpoint
INSERT INTO `search_fts_next` (`product_id`, `status`, `sales_count`, `category_path`, `category_id`, `brand_id`, `tokens`)
  SELECT f.`product_id`, d.`status`, d.`sales_count`, d.`category_path`, d.`category_id`, d.`brand_id`, f.`tokens`
    FROM `search_fts` f JOIN `search_documents` d ON d.`product_id` = f.`product_id`;
--> statement-breakpoint
DROP TABLE `search_fts`;
--> statement-breakpoint
ALTER TABLE `search_fts_next` RENAME TO `search_fts`;
