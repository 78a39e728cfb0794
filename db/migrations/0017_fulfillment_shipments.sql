CREATE TABLE `carrier_events` (
	`carrier` text NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`tracking_number` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`note` text,
	`created_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`carrier`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `carrier_events_status` ON `carrier_events` (`status`,`received_at`);--> statement-breakpoint
CREATE TABLE `shipments` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`shop_id` text NOT NULL,
	`warehouse_id` text NOT NULL,
	`carrier` text,
	`tracking_number` text,
	`status` text NOT NULL,
	`shipped_at` integer,
	`delivered_at` integer,
	`failed_at` integer,
	`version` integer DEFAULT 1 NOT NULL,
	`last_op_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `shipments_tracking` ON `shipments` (`carrier`,`tracking_number`);--> statement-breakpoint
CREATE UNIQUE INDEX `shipments_one_pending` ON `shipments` (`order_id`) WHERE status = 'PENDING';--> statement-breakpoint
CREATE INDEX `shipments_order` ON `shipments` (`order_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `shipments_delivered` ON `shipments` (`status`,`delivered_at`);