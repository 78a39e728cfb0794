-- Orders live in order shards that hold no users or shops (shared/orders/order-store.ts), so
-- pay_orders.user_id, orders.user_id and orders.shop_id lose their foreign keys. SQLite cannot drop
-- a foreign key, so both tables are rebuilt. Hand-ordered (drizzle-kit's rebuild fails on D1): D1
-- keeps foreign keys on inside every migration, and order_items, payments, ... reference these
-- tables, so each table's rows are held aside, the table dropped and created again, and its rows
-- inserted back into the table under its own name, which settles the references its children's
-- rows lost when it was dropped (deferred until the migration commits).
PRAGMA defer_foreign_keys = on;--> statement-breakpoint
CREATE TABLE `__hold_orders` AS SELECT * FROM `orders`;--> statement-breakpoint
DROP TABLE `orders`;--> statement-breakpoint
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
	FOREIGN KEY (`pay_order_id`) REFERENCES `pay_orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `orders`("id", "pay_order_id", "user_id", "shop_id", "kind", "status", "payment_status", "fulfillment_status", "refund_status", "currency", "items_amount", "shipping_fee", "discount_amount", "total_amount", "address", "cancel_reason", "version", "last_op_id", "created_at", "updated_at") SELECT "id", "pay_order_id", "user_id", "shop_id", "kind", "status", "payment_status", "fulfillment_status", "refund_status", "currency", "items_amount", "shipping_fee", "discount_amount", "total_amount", "address", "cancel_reason", "version", "last_op_id", "created_at", "updated_at" FROM `__hold_orders`;--> statement-breakpoint
DROP TABLE `__hold_orders`;--> statement-breakpoint
CREATE INDEX `orders_user` ON `orders` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `orders_shop` ON `orders` (`shop_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `orders_pay_order` ON `orders` (`pay_order_id`);--> statement-breakpoint
CREATE TABLE `__hold_pay_orders` AS SELECT * FROM `pay_orders`;--> statement-breakpoint
DROP TABLE `pay_orders`;--> statement-breakpoint
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
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `pay_orders`("id", "user_id", "saga_id", "currency", "pay_amount", "cash_amount", "coin_amount", "voucher_amount", "payment_method", "payment_status", "pay_by", "version", "last_op_id", "created_at", "updated_at") SELECT "id", "user_id", "saga_id", "currency", "pay_amount", "cash_amount", "coin_amount", "voucher_amount", "payment_method", "payment_status", "pay_by", "version", "last_op_id", "created_at", "updated_at" FROM `__hold_pay_orders`;--> statement-breakpoint
DROP TABLE `__hold_pay_orders`;--> statement-breakpoint
CREATE UNIQUE INDEX `pay_orders_saga_id_unique` ON `pay_orders` (`saga_id`);--> statement-breakpoint
CREATE INDEX `pay_orders_user` ON `pay_orders` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `pay_orders_unpaid` ON `pay_orders` (`payment_status`,`pay_by`);--> statement-breakpoint
CREATE INDEX `flash_sale_campaigns_open` ON `flash_sale_campaigns` (`settled_at`,`ends_at`);