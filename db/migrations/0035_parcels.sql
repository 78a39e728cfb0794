CREATE TABLE `parcels` (
	`carrier` text NOT NULL,
	`tracking_number` text NOT NULL,
	`order_id` text NOT NULL,
	`claimed_at` integer NOT NULL,
	PRIMARY KEY(`carrier`, `tracking_number`)
);--> statement-breakpoint
-- Shipments shipped before the claims existed: claimed by their orders (in the commerce database, where every order lived until its slot moved; on an order shard the copy is unused).
INSERT OR IGNORE INTO `parcels` (`carrier`, `tracking_number`, `order_id`, `claimed_at`) SELECT `carrier`, `tracking_number`, `order_id`, coalesce(`shipped_at`, `created_at`) FROM `shipments` WHERE `carrier` IS NOT NULL AND `tracking_number` IS NOT NULL;
