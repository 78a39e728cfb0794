ALTER TABLE `bulk_jobs` ADD `credential` text;--> statement-breakpoint
ALTER TABLE `idempotency_keys` ADD `response_headers` text;--> statement-breakpoint
ALTER TABLE `order_sagas` ADD `request_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `order_sagas_request_key_unique` ON `order_sagas` (`request_key`);