CREATE TABLE `feature_switch_flips` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`enabled` integer NOT NULL,
	`reason` text NOT NULL,
	`actor` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `feature_switch_flips_name_at` ON `feature_switch_flips` (`name`,`at`);--> statement-breakpoint
CREATE TABLE `feature_switches` (
	`name` text PRIMARY KEY NOT NULL,
	`enabled` integer NOT NULL,
	`reason` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `metric_counts` (
	`minute` integer NOT NULL,
	`worker` text NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`field` text NOT NULL,
	`value` integer NOT NULL,
	PRIMARY KEY(`minute`, `worker`, `kind`, `subject`, `field`)
);
--> statement-breakpoint
ALTER TABLE `search_documents` ADD `rating_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `search_documents` ADD `rating_sum` integer DEFAULT 0 NOT NULL;