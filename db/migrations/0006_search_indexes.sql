CREATE INDEX `search_documents_status_brand` ON `search_documents` (`status`,`brand_id`);--> statement-breakpoint
CREATE INDEX `search_documents_status_category_id` ON `search_documents` (`status`,`category_id`);--> statement-breakpoint
CREATE INDEX `search_documents_status_created` ON `search_documents` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `search_documents_status_min_price` ON `search_documents` (`status`,`min_price`);--> statement-breakpoint
CREATE INDEX `search_documents_status_sales` ON `search_documents` (`status`,`sales_count`);