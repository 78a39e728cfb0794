CREATE TABLE `feed_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`feed_id` text NOT NULL,
	`shop_id` text NOT NULL,
	`trigger` text NOT NULL,
	`outcome` text NOT NULL,
	`http_status` integer,
	`content_hash` text,
	`job_id` text,
	`summary` text,
	`error_code` text,
	`error_detail` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `feed_runs_feed` ON `feed_runs` (`feed_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `feeds` (
	`id` text PRIMARY KEY NOT NULL,
	`shop_id` text NOT NULL,
	`url` text NOT NULL,
	`format` text NOT NULL,
	`currency` text,
	`interval_minutes` integer NOT NULL,
	`delete_missing` integer DEFAULT false NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`credential` text NOT NULL,
	`created_by` text NOT NULL,
	`etag` text,
	`last_modified` text,
	`content_hash` text,
	`listed_codes` text DEFAULT '[]' NOT NULL,
	`next_run_at` integer NOT NULL,
	`leased_until` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`shop_id`) REFERENCES `shops`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `feeds_shop` ON `feeds` (`shop_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `feeds_due` ON `feeds` (`enabled`,`next_run_at`);