CREATE TABLE `search_facet_counts` (
	`category_path` text NOT NULL,
	`category_id` integer NOT NULL,
	`brand_key` integer NOT NULL,
	`on_shelf` integer NOT NULL,
	PRIMARY KEY(`category_path`, `brand_key`)
);
--> statement-breakpoint
INSERT INTO `search_facet_counts` (`category_path`, `category_id`, `brand_key`, `on_shelf`)
SELECT `category_path`, max(`category_id`), coalesce(`brand_id`, 0), count(*) FROM `search_documents` WHERE `status` = 10 GROUP BY `category_path`, coalesce(`brand_id`, 0);
