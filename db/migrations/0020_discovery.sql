CREATE TABLE `co_purchase_orders` (
	`order_id` text PRIMARY KEY NOT NULL,
	`counted_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `co_purchases` (
	`product_id` text NOT NULL,
	`other_product_id` text NOT NULL,
	`orders` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`product_id`, `other_product_id`)
);
--> statement-breakpoint
CREATE INDEX `co_purchases_by_count` ON `co_purchases` (`product_id`,`orders`);--> statement-breakpoint
CREATE TABLE `experiment_conversions` (
	`experiment_id` text NOT NULL,
	`order_id` text NOT NULL,
	`unit_id` text NOT NULL,
	`variant` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`converted_at` integer NOT NULL,
	PRIMARY KEY(`experiment_id`, `order_id`)
);
--> statement-breakpoint
CREATE INDEX `experiment_conversions_variant` ON `experiment_conversions` (`experiment_id`,`variant`);--> statement-breakpoint
CREATE TABLE `experiment_exposures` (
	`experiment_id` text NOT NULL,
	`unit_id` text NOT NULL,
	`variant` text NOT NULL,
	`exposed_at` integer NOT NULL,
	PRIMARY KEY(`experiment_id`, `unit_id`)
);
--> statement-breakpoint
CREATE TABLE `experiments` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`target` text NOT NULL,
	`unit` text NOT NULL,
	`variants` text NOT NULL,
	`window_hours` integer NOT NULL,
	`status` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `home_pages` (
	`page_id` text PRIMARY KEY NOT NULL,
	`shop_id` text,
	`draft` text NOT NULL,
	`draft_version` integer DEFAULT 1 NOT NULL,
	`published` text,
	`published_version` integer DEFAULT 0 NOT NULL,
	`boundaries` text DEFAULT '[]' NOT NULL,
	`published_at` integer,
	`published_by` text,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	FOREIGN KEY (`shop_id`) REFERENCES `shops`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `product_ratings` (
	`product_id` text PRIMARY KEY NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`stars_sum` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `product_views` (
	`user_id` text NOT NULL,
	`product_id` text NOT NULL,
	`views` integer DEFAULT 1 NOT NULL,
	`last_viewed_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `product_id`)
);
--> statement-breakpoint
CREATE INDEX `product_views_recent` ON `product_views` (`user_id`,`last_viewed_at`);--> statement-breakpoint
CREATE TABLE `reviews` (
	`id` text PRIMARY KEY NOT NULL,
	`order_item_id` text NOT NULL,
	`order_id` text NOT NULL,
	`product_id` text NOT NULL,
	`sku_id` text NOT NULL,
	`shop_id` text NOT NULL,
	`user_id` text NOT NULL,
	`stars` integer NOT NULL,
	`text` text NOT NULL,
	`images` text DEFAULT '[]' NOT NULL,
	`reply` text,
	`replied_at` integer,
	`hidden_at` integer,
	`hidden_by` text,
	`hidden_reason` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reviews_order_item_id_unique` ON `reviews` (`order_item_id`);--> statement-breakpoint
CREATE INDEX `reviews_product_visible` ON `reviews` (`product_id`,`hidden_at`,`created_at`);