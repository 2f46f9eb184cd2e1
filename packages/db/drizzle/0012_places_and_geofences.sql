CREATE TABLE `place_visits` (
	`driver_id` bigint unsigned NOT NULL,
	`place_id` bigint unsigned NOT NULL,
	`entered_at` datetime(3) NOT NULL,
	`dwelled` boolean NOT NULL DEFAULT false,
	CONSTRAINT `place_visits_pk` PRIMARY KEY(`driver_id`,`place_id`)
);
--> statement-breakpoint
CREATE TABLE `places` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`name` varchar(80) NOT NULL,
	`geometry` longtext NOT NULL,
	`dwell_seconds` int,
	`created_by` bigint unsigned,
	`version` int NOT NULL DEFAULT 1,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `places_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `events` MODIFY COLUMN `stream` enum('offers','chat','trips','places') NOT NULL;--> statement-breakpoint
ALTER TABLE `trips` ADD `pickup_place_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `trips` ADD `dropoff_place_id` bigint unsigned;--> statement-breakpoint
ALTER TABLE `place_visits` ADD CONSTRAINT `place_visits_driver_id_drivers_user_id_fk` FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`user_id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `place_visits` ADD CONSTRAINT `place_visits_place_id_places_id_fk` FOREIGN KEY (`place_id`) REFERENCES `places`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `places` ADD CONSTRAINT `places_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `place_visits_place_idx` ON `place_visits` (`place_id`);--> statement-breakpoint
CREATE INDEX `places_name_idx` ON `places` (`name`);--> statement-breakpoint
ALTER TABLE `trips` ADD CONSTRAINT `trips_pickup_place_id_places_id_fk` FOREIGN KEY (`pickup_place_id`) REFERENCES `places`(`id`) ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `trips` ADD CONSTRAINT `trips_dropoff_place_id_places_id_fk` FOREIGN KEY (`dropoff_place_id`) REFERENCES `places`(`id`) ON DELETE set null ON UPDATE no action;