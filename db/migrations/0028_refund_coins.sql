ALTER TABLE `order_items` ADD `refund_held_coins` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `refund_items` ADD `coins` integer DEFAULT 0 NOT NULL;