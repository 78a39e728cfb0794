CREATE TABLE `import_category_mappings` (
	`shop_id` text NOT NULL,
	`source` text NOT NULL,
	`match_key` text NOT NULL,
	`match` text NOT NULL,
	`category_id` integer NOT NULL,
	`attribute_defaults` text NOT NULL,
	`options` text NOT NULL,
	`metafields` text NOT NULL,
	`position` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`shop_id`, `source`, `match_key`),
	FOREIGN KEY (`shop_id`) REFERENCES `shops`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`category_id`) REFERENCES `categories`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `bulk_job_rows` ADD `ref` text;--> statement-breakpoint
ALTER TABLE `bulk_job_rows` ADD `outcome` text;