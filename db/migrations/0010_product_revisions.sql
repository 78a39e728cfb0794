CREATE TABLE `product_revisions` (
	`id` text PRIMARY KEY NOT NULL,
	`product_id` text NOT NULL,
	`shop_id` text NOT NULL,
	`status` text NOT NULL,
	`base_version` integer NOT NULL,
	`changes` text NOT NULL,
	`created_by` text NOT NULL,
	`created_by_type` text NOT NULL,
	`created_at` integer NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`reason` text,
	`superseded_by` text,
	`applied_version` integer,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_revisions_one_pending` ON `product_revisions` (`product_id`) WHERE status = 'PENDING';--> statement-breakpoint
CREATE INDEX `product_revisions_product` ON `product_revisions` (`product_id`,`created_at`);