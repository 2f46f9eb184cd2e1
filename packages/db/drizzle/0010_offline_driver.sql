CREATE TABLE `trip_status_actions` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`driver_id` bigint unsigned NOT NULL,
	`idempotency_key` char(36) NOT NULL,
	`trip_id` bigint unsigned NOT NULL,
	`status` enum('requested','assigned','en_route','arrived','in_progress','completed','cancelled') NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `trip_status_actions_id` PRIMARY KEY(`id`),
	CONSTRAINT `trip_status_actions_driver_key_unique` UNIQUE(`driver_id`,`idempotency_key`)
);
--> statement-breakpoint
ALTER TABLE `trip_status_actions` ADD CONSTRAINT `trip_status_actions_driver_id_users_id_fk` FOREIGN KEY (`driver_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `trip_status_actions` ADD CONSTRAINT `trip_status_actions_trip_id_trips_id_fk` FOREIGN KEY (`trip_id`) REFERENCES `trips`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `trip_status_actions_trip_idx` ON `trip_status_actions` (`trip_id`);