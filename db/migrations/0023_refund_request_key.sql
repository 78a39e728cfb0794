ALTER TABLE `refunds` ADD `request_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_request_key` ON `refunds` (`request_key`);