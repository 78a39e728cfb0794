CREATE TABLE `search_rebuild_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`missing_only` integer NOT NULL,
	`chunk_size` integer NOT NULL,
	`total` integer NOT NULL,
	`done` integer DEFAULT 0 NOT NULL,
	`cursor` text,
	`lease_id` text,
	`lease_until` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`completed_at` integer
);
--> statement-breakpoint
CREATE INDEX `search_rebuild_jobs_created` ON `search_rebuild_jobs` (`created_at`);