CREATE TABLE `refund_items` (
	`refund_id` text NOT NULL,
	`order_item_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`amount` integer NOT NULL,
	PRIMARY KEY(`refund_id`, `order_item_id`)
);
--> statement-breakpoint
ALTER TABLE `order_items` ADD `refund_held_quantity` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `order_items` ADD `refund_held_amount` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `order_items` ADD `refund_op_id` text;--> statement-breakpoint
ALTER TABLE `refunds` ADD `shipping_amount` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `refunds` ADD `requested_by` text;--> statement-breakpoint
ALTER TABLE `refunds` ADD `return_carrier` text;--> statement-breakpoint
ALTER TABLE `refunds` ADD `return_tracking_number` text;--> statement-breakpoint
ALTER TABLE `refunds` ADD `received_condition` text;