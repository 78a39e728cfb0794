ALTER TABLE `search_documents` ADD `price_valid_until` integer;--> statement-breakpoint
CREATE INDEX `search_documents_price_valid_until` ON `search_documents` (`price_valid_until`);