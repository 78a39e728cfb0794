-- Full-text index over search_documents (drizzle-kit cannot declare virtual tables, so this
-- migration is written by hand). `tokens` holds the document's text already tokenized by
-- shared/catalog/search-tokens.ts: lower-cased Latin/digit words, and for Chinese, Japanese and
-- Korean runs their characters and overlapping bigrams, so that a 2-character query like `T恤`
-- matches without a dictionary. unicode61 then only splits on the spaces we put there.
CREATE VIRTUAL TABLE `search_fts` USING fts5(
  `product_id` UNINDEXED,
  `tokens`,
  tokenize = "unicode61 remove_diacritics 2 separators ' '"
);
