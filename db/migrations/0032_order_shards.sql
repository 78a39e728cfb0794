CREATE TABLE `order_slot_fences` (
	`slot` integer PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`to_shard` integer NOT NULL,
	`since` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `order_slots` (
	`slot` integer PRIMARY KEY NOT NULL,
	`shard` integer NOT NULL,
	`updated_at` integer NOT NULL
);
