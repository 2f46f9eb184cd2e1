CREATE TABLE `trip_history` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`trip_id` bigint unsigned NOT NULL,
	`type` enum('guard_override','reassigned','cancelled') NOT NULL,
	`actor_id` bigint unsigned,
	`status` enum('requested','assigned','en_route','arrived','in_progress','completed','cancelled'),
	`reason` varchar(255),
	`distance_m` int,
	`radius_m` int,
	`from_driver_id` bigint unsigned,
	`to_driver_id` bigint unsigned,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `trip_history_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `trips` ADD `arrival_radius_m` int;--> statement-breakpoint
ALTER TABLE `trips` ADD `reassignments` int DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `trip_history` ADD CONSTRAINT `trip_history_trip_id_trips_id_fk` FOREIGN KEY (`trip_id`) REFERENCES `trips`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `trip_history` ADD CONSTRAINT `trip_history_actor_id_users_id_fk` FOREIGN KEY (`actor_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `trip_history` ADD CONSTRAINT `trip_history_from_driver_id_users_id_fk` FOREIGN KEY (`from_driver_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `trip_history` ADD CONSTRAINT `trip_history_to_driver_id_users_id_fk` FOREIGN KEY (`to_driver_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `trip_history_trip_idx` ON `trip_history` (`trip_id`,`id`);