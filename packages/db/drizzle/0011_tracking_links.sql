CREATE TABLE `tracking_links` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`trip_id` bigint unsigned NOT NULL,
	`created_by` bigint unsigned NOT NULL,
	`token_hash` char(64) NOT NULL,
	`label` varchar(80),
	`expires_at` datetime(3) NOT NULL,
	`revoked_at` datetime(3),
	`revoked_by` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `tracking_links_id` PRIMARY KEY(`id`),
	CONSTRAINT `tracking_links_token_hash_unique` UNIQUE(`token_hash`)
);
--> statement-breakpoint
ALTER TABLE `tracking_links` ADD CONSTRAINT `tracking_links_trip_id_trips_id_fk` FOREIGN KEY (`trip_id`) REFERENCES `trips`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `tracking_links` ADD CONSTRAINT `tracking_links_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `tracking_links` ADD CONSTRAINT `tracking_links_revoked_by_users_id_fk` FOREIGN KEY (`revoked_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `tracking_links_trip_idx` ON `tracking_links` (`trip_id`,`id`);