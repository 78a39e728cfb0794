-- Hand-written (drizzle-kit does not declare triggers): search_facet_counts follows every write to
-- search_documents in that write's own transaction, whoever writes (the indexer, a rebuild, the
-- seed's and the search bench's SQL loads), so concurrent indexing cannot double-count or miss.
CREATE TRIGGER `search_facet_counts_insert` AFTER INSERT ON `search_documents` WHEN new.`status` = 10 BEGIN
  INSERT INTO `search_facet_counts` (`category_path`, `category_id`, `brand_key`, `on_shelf`)
    VALUES (new.`category_path`, new.`category_id`, coalesce(new.`brand_id`, 0), 1)
    ON CONFLICT (`category_path`, `brand_key`) DO UPDATE SET `on_shelf` = `on_shelf` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `search_facet_counts_update` AFTER UPDATE OF `status`, `category_path`, `category_id`, `brand_id` ON `search_documents`
  WHEN old.`status` = 10 OR new.`status` = 10 BEGIN
  UPDATE `search_facet_counts` SET `on_shelf` = `on_shelf` - 1
   WHERE old.`status` = 10 AND `category_path` = old.`category_path` AND `brand_key` = coalesce(old.`brand_id`, 0);
  INSERT INTO `search_facet_counts` (`category_path`, `category_id`, `brand_key`, `on_shelf`)
    SELECT new.`category_path`, new.`category_id`, coalesce(new.`brand_id`, 0), 1 WHERE new.`status` = 10
    ON CONFLICT (`category_path`, `brand_key`) DO UPDATE SET `on_shelf` = `on_shelf` + 1;
END;--> statement-breakpoint
CREATE TRIGGER `search_facet_counts_delete` AFTER DELETE ON `search_documents` WHEN old.`status` = 10 BEGIN
  UPDATE `search_facet_counts` SET `on_shelf` = `on_shelf` - 1
   WHERE `category_path` = old.`category_path` AND `brand_key` = coalesce(old.`brand_id`, 0);
END;--> statement-breakpoint
-- Nothing kept the counts since 0027 backfilled them: counted again from the documents.
DELETE FROM `search_facet_counts`;--> statement-breakpoint
INSERT INTO `search_facet_counts` (`category_path`, `category_id`, `brand_key`, `on_shelf`)
SELECT `category_path`, max(`category_id`), coalesce(`brand_id`, 0), count(*) FROM `search_documents` WHERE `status` = 10 GROUP BY `category_path`, coalesce(`brand_id`, 0);
