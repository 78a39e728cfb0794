CREATE TABLE `parcels` (
	`carrier` text NOT NULL,
	`tracking_number` text NOT NULL,
	`order_id` text NOT NULL,
	`claimed_at` integer NOT NULL,
	PRIMARY KEY(`carrier`, `tracking_number`)
);
