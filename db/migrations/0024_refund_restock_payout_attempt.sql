ALTER TABLE `refunds` ADD `payout_attempt` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `refunds` ADD `restock` integer DEFAULT false NOT NULL;