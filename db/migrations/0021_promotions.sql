CREATE TABLE `order_discounts` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`saga_id` text NOT NULL,
	`source` text NOT NULL,
	`source_id` text,
	`amount` integer NOT NULL,
	`line_shares` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `order_discounts_order` ON `order_discounts` (`order_id`);--> statement-breakpoint
CREATE INDEX `order_discounts_saga` ON `order_discounts` (`saga_id`);--> statement-breakpoint
CREATE TABLE `threshold_discounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`shop_id` text NOT NULL,
	`currency` text NOT NULL,
	`tiers` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `threshold_discounts_shop_window` ON `threshold_discounts` (`shop_id`,`ends_at`);--> statement-breakpoint
CREATE TABLE `voucher_claims` (
	`id` text PRIMARY KEY NOT NULL,
	`voucher_id` text NOT NULL,
	`user_id` text NOT NULL,
	`code` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`voucher_id`) REFERENCES `vouchers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `voucher_claims_user` ON `voucher_claims` (`user_id`,`voucher_id`);--> statement-breakpoint
CREATE TABLE `voucher_codes` (
	`code` text PRIMARY KEY NOT NULL,
	`voucher_id` text NOT NULL,
	`claimed_by` text,
	FOREIGN KEY (`voucher_id`) REFERENCES `vouchers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `voucher_codes_voucher` ON `voucher_codes` (`voucher_id`,`claimed_by`);--> statement-breakpoint
CREATE TABLE `voucher_uses` (
	`id` text PRIMARY KEY NOT NULL,
	`voucher_id` text NOT NULL,
	`user_id` text NOT NULL,
	`saga_id` text NOT NULL,
	`code` text NOT NULL,
	`amount` integer NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`voucher_id`) REFERENCES `vouchers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `voucher_uses_saga_voucher` ON `voucher_uses` (`saga_id`,`voucher_id`);--> statement-breakpoint
CREATE INDEX `voucher_uses_user` ON `voucher_uses` (`voucher_id`,`user_id`,`status`);--> statement-breakpoint
CREATE INDEX `voucher_uses_code` ON `voucher_uses` (`code`,`status`);--> statement-breakpoint
CREATE TABLE `vouchers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`scope` text NOT NULL,
	`shop_id` text,
	`kind` text NOT NULL,
	`value` integer NOT NULL,
	`currency` text NOT NULL,
	`max_discount` integer,
	`min_spend` integer NOT NULL,
	`category_id` integer,
	`sku_ids` text,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`total_count` integer NOT NULL,
	`per_user_limit` integer NOT NULL,
	`budget` integer,
	`claimable` integer NOT NULL,
	`code_mode` text NOT NULL,
	`taken` integer DEFAULT 0 NOT NULL,
	`budget_taken` integer DEFAULT 0 NOT NULL,
	`claimed` integer DEFAULT 0 NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `vouchers_shop_window` ON `vouchers` (`shop_id`,`ends_at`);--> statement-breakpoint
ALTER TABLE `order_items` ADD `recharge_target` text;