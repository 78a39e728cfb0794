CREATE TABLE `promotion_releases` (
	`saga_id` text PRIMARY KEY NOT NULL,
	`released_at` integer NOT NULL
);
