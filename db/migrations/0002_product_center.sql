CREATE TABLE `bulk_job_rows` (
	`job_id` text NOT NULL,
	`row` integer NOT NULL,
	`chunk` integer NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`error_code` text,
	`error_detail` text,
	`result_id` text,
	PRIMARY KEY(`job_id`, `row`),
	FOREIGN KEY (`job_id`) REFERENCES `bulk_jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bulk_job_rows_chunk` ON `bulk_job_rows` (`job_id`,`chunk`);--> statement-breakpoint
CREATE TABLE `bulk_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`shop_id` text NOT NULL,
	`kind` text NOT NULL,
	`format` text NOT NULL,
	`status` text NOT NULL,
	`total` integer NOT NULL,
	`chunks` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`completed_at` integer,
	FOREIGN KEY (`shop_id`) REFERENCES `shops`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bulk_jobs_shop` ON `bulk_jobs` (`shop_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `operation_logs` (
	`id` text PRIMARY KEY NOT NULL,
	`actor_id` text NOT NULL,
	`actor_type` text NOT NULL,
	`shop_id` text,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`operation` text NOT NULL,
	`before` text,
	`after` text,
	`request_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `operation_logs_entity` ON `operation_logs` (`entity_type`,`entity_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `operation_logs_shop` ON `operation_logs` (`shop_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `product_snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`product_id` text NOT NULL,
	`version` integer NOT NULL,
	`content_hash` text NOT NULL,
	`content` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_snapshots_product_version` ON `product_snapshots` (`product_id`,`version`);--> statement-breakpoint
CREATE TABLE `search_documents` (
	`product_id` text PRIMARY KEY NOT NULL,
	`shop_id` text NOT NULL,
	`status` integer NOT NULL,
	`category_id` integer NOT NULL,
	`category_path` text NOT NULL,
	`brand_id` integer,
	`name` text NOT NULL,
	`text` text NOT NULL,
	`attributes` text NOT NULL,
	`min_price` integer,
	`max_price` integer,
	`currency` text,
	`in_stock` integer NOT NULL,
	`sales_count` integer NOT NULL,
	`image` text,
	`product_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`indexed_at` integer NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `search_documents_status_category` ON `search_documents` (`status`,`category_path`);--> statement-breakpoint
ALTER TABLE `products` ADD `name_i18n` text;--> statement-breakpoint
ALTER TABLE `products` ADD `description_i18n` text;--> statement-breakpoint
ALTER TABLE `products` ADD `status_reason` text;--> statement-breakpoint
ALTER TABLE `products` ADD `last_op_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `products_shop_identity` ON `products` (`shop_id`,`category_id`,`brand_id`,`name`) WHERE status <> 99;--> statement-breakpoint
ALTER TABLE `sku_stock` ADD `revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `skus` ADD `dimensions_mm` text;