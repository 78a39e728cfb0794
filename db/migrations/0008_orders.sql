CREATE TABLE `order_items` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`sku_id` text NOT NULL,
	`product_id` text NOT NULL,
	`snapshot_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price` integer NOT NULL,
	`discount` integer NOT NULL,
	`paid_amount` integer NOT NULL,
	`reservation_id` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`snapshot_id`) REFERENCES `order_snapshots`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `order_items_order` ON `order_items` (`order_id`);--> statement-breakpoint
CREATE TABLE `order_sagas` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`quote_id` text,
	`status` text NOT NULL,
	`context` text NOT NULL,
	`error` text,
	`lease_until` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `order_sagas_quote_id_unique` ON `order_sagas` (`quote_id`);--> statement-breakpoint
CREATE INDEX `order_sagas_status_lease` ON `order_sagas` (`status`,`lease_until`);--> statement-breakpoint
CREATE TABLE `order_snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`sku_id` text NOT NULL,
	`content_hash` text NOT NULL,
	`content` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `order_snapshots_content_hash_unique` ON `order_snapshots` (`content_hash`);--> statement-breakpoint
CREATE TABLE `order_status_log` (
	`id` text PRIMARY KEY NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`field` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`event` text NOT NULL,
	`actor` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `order_status_log_entity` ON `order_status_log` (`entity_id`,`at`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`pay_order_id` text NOT NULL,
	`user_id` text NOT NULL,
	`shop_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`payment_status` text NOT NULL,
	`fulfillment_status` text NOT NULL,
	`refund_status` text NOT NULL,
	`currency` text NOT NULL,
	`items_amount` integer NOT NULL,
	`shipping_fee` integer NOT NULL,
	`discount_amount` integer NOT NULL,
	`total_amount` integer NOT NULL,
	`address` text,
	`cancel_reason` text,
	`version` integer DEFAULT 1 NOT NULL,
	`last_op_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`pay_order_id`) REFERENCES `pay_orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`shop_id`) REFERENCES `shops`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `orders_user` ON `orders` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `orders_shop` ON `orders` (`shop_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `orders_pay_order` ON `orders` (`pay_order_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`body` text NOT NULL,
	`deliver_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_created` ON `outbox` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `pay_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`saga_id` text NOT NULL,
	`currency` text NOT NULL,
	`pay_amount` integer NOT NULL,
	`cash_amount` integer NOT NULL,
	`coin_amount` integer DEFAULT 0 NOT NULL,
	`voucher_amount` integer DEFAULT 0 NOT NULL,
	`payment_method` text,
	`payment_status` text NOT NULL,
	`pay_by` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`last_op_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pay_orders_saga_id_unique` ON `pay_orders` (`saga_id`);--> statement-breakpoint
CREATE INDEX `pay_orders_user` ON `pay_orders` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `pay_orders_unpaid` ON `pay_orders` (`payment_status`,`pay_by`);--> statement-breakpoint
CREATE TABLE `shipping_templates` (
	`shop_id` text PRIMARY KEY NOT NULL,
	`currency` text NOT NULL,
	`first_weight_grams` integer NOT NULL,
	`first_fee` integer NOT NULL,
	`additional_weight_grams` integer NOT NULL,
	`additional_fee` integer NOT NULL,
	`free_threshold` integer,
	`regions` text DEFAULT '[]' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`shop_id`) REFERENCES `shops`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `stock_alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`sku_id` text NOT NULL,
	`shop_id` text NOT NULL,
	`available` integer NOT NULL,
	`threshold` integer NOT NULL,
	`raised_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stock_alerts_shop` ON `stock_alerts` (`shop_id`,`raised_at`);--> statement-breakpoint
ALTER TABLE `warehouses` ADD `priority` integer DEFAULT 0 NOT NULL;