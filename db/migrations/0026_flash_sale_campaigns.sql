CREATE TABLE `flash_sale_campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`sku_id` text NOT NULL,
	`shop_id` text NOT NULL,
	`price_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`quota` integer NOT NULL,
	`buckets` integer NOT NULL,
	`per_user_limit` integer NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`status` text NOT NULL,
	`sold` integer,
	`unsold` integer,
	`settled_at` integer,
	`ended_early_by` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`sku_id`) REFERENCES `skus`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `flash_sale_campaigns_shop` ON `flash_sale_campaigns` (`shop_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `flash_sale_campaigns_settle` ON `flash_sale_campaigns` (`status`,`ends_at`);