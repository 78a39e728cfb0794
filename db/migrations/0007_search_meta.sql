CREATE TABLE `search_meta` (
	`id` integer PRIMARY KEY NOT NULL,
	`generation` integer NOT NULL
);
--> statement-breakpoint
INSERT OR IGNORE INTO `search_meta` (`id`, `generation`) VALUES (1, 0);
