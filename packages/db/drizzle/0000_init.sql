CREATE TABLE `drivers` (
	`user_id` bigint unsigned NOT NULL,
	`vehicle_type` enum('car','suv','van','box_truck','flatbed','reefer') NOT NULL,
	`vehicle_length_cm` int NOT NULL,
	`vehicle_width_cm` int NOT NULL,
	`vehicle_height_cm` int NOT NULL,
	`payload_kg` int NOT NULL,
	`availability` enum('offline','available','busy') NOT NULL DEFAULT 'offline',
	`lat` double,
	`lng` double,
	`position_at` datetime(3),
	`last_seen_at` datetime(3),
	`rating_sum` double NOT NULL DEFAULT 0,
	`rating_count` int NOT NULL DEFAULT 0,
	CONSTRAINT `drivers_user_id` PRIMARY KEY(`user_id`)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`role` enum('dispatcher','driver','rider') NOT NULL,
	`name` varchar(120) NOT NULL,
	`email` varchar(255) NOT NULL,
	`phone` varchar(32) NOT NULL,
	`password_hash` varchar(255) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `users_id` PRIMARY KEY(`id`),
	CONSTRAINT `users_email_unique` UNIQUE(`email`)
);
--> statement-breakpoint
CREATE TABLE `offer_recipients` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`offer_id` bigint unsigned NOT NULL,
	`driver_id` bigint unsigned NOT NULL,
	`status` enum('sent','viewed','accepted','rejected','countered','lost','withdrawn') NOT NULL DEFAULT 'sent',
	`counter_rate_cents` int,
	`viewed_at` datetime(3),
	`responded_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `offer_recipients_id` PRIMARY KEY(`id`),
	CONSTRAINT `offer_recipients_offer_driver_unique` UNIQUE(`offer_id`,`driver_id`)
);
--> statement-breakpoint
CREATE TABLE `offers` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`created_by` bigint unsigned NOT NULL,
	`kind` enum('load','ride') NOT NULL,
	`trip_id` bigint unsigned,
	`pickup_address` varchar(255) NOT NULL,
	`pickup_lat` double NOT NULL,
	`pickup_lng` double NOT NULL,
	`dropoff_address` varchar(255) NOT NULL,
	`dropoff_lat` double NOT NULL,
	`dropoff_lng` double NOT NULL,
	`weight_kg` int NOT NULL DEFAULT 0,
	`length_cm` int NOT NULL DEFAULT 0,
	`width_cm` int NOT NULL DEFAULT 0,
	`height_cm` int NOT NULL DEFAULT 0,
	`distance_km` double NOT NULL,
	`rate_cents` int NOT NULL,
	`notes` varchar(2000) NOT NULL DEFAULT '',
	`status` enum('open','accepted','cancelled','expired','completed') NOT NULL DEFAULT 'open',
	`expires_at` datetime(3) NOT NULL,
	`accepted_driver_id` bigint unsigned,
	`agreed_rate_cents` int,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `offers_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `trips` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`kind` enum('load','ride') NOT NULL,
	`rider_id` bigint unsigned,
	`driver_id` bigint unsigned,
	`offer_id` bigint unsigned,
	`pickup_address` varchar(255) NOT NULL,
	`pickup_lat` double NOT NULL,
	`pickup_lng` double NOT NULL,
	`dropoff_address` varchar(255) NOT NULL,
	`dropoff_lat` double NOT NULL,
	`dropoff_lng` double NOT NULL,
	`status` enum('requested','assigned','en_route','arrived','in_progress','completed','cancelled') NOT NULL,
	`cancel_reason` varchar(255),
	`fare_cents` int,
	`search_ring` int NOT NULL DEFAULT 0,
	`rating` tinyint,
	`rating_comment` varchar(1000),
	`requested_at` datetime(3),
	`assigned_at` datetime(3),
	`en_route_at` datetime(3),
	`arrived_at` datetime(3),
	`in_progress_at` datetime(3),
	`completed_at` datetime(3),
	`cancelled_at` datetime(3),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `trips_id` PRIMARY KEY(`id`),
	CONSTRAINT `trips_offer_unique` UNIQUE(`offer_id`)
);
--> statement-breakpoint
CREATE TABLE `chat_reads` (
	`user_id` bigint unsigned NOT NULL,
	`offer_id` bigint unsigned NOT NULL,
	`driver_id` bigint unsigned NOT NULL,
	`last_read_message_id` bigint unsigned NOT NULL DEFAULT 0,
	`updated_at` datetime(3),
	CONSTRAINT `chat_reads_user_id_offer_id_driver_id_pk` PRIMARY KEY(`user_id`,`offer_id`,`driver_id`)
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`offer_id` bigint unsigned NOT NULL,
	`driver_id` bigint unsigned NOT NULL,
	`sender_id` bigint unsigned,
	`kind` enum('text','rate_proposal','system') NOT NULL DEFAULT 'text',
	`body` varchar(2000) NOT NULL,
	`client_message_id` char(36),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `messages_id` PRIMARY KEY(`id`),
	CONSTRAINT `messages_sender_client_id_unique` UNIQUE(`sender_id`,`client_message_id`)
);
--> statement-breakpoint
CREATE TABLE `locations` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`driver_id` bigint unsigned NOT NULL,
	`trip_id` bigint unsigned,
	`lat` double NOT NULL,
	`lng` double NOT NULL,
	`accuracy_m` double,
	`heading_deg` double,
	`speed_mps` double,
	`recorded_at` datetime(3) NOT NULL,
	CONSTRAINT `locations_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `event_sequence` (
	`id` bigint unsigned NOT NULL,
	`last_id` bigint unsigned NOT NULL,
	CONSTRAINT `event_sequence_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `events` (
	`id` bigint unsigned NOT NULL,
	`stream` enum('offers','chat','trips') NOT NULL,
	`type` varchar(40) NOT NULL,
	`offer_id` bigint unsigned,
	`trip_id` bigint unsigned,
	`dispatcher_id` bigint unsigned,
	`driver_id` bigint unsigned,
	`rider_id` bigint unsigned,
	`all_dispatchers` boolean NOT NULL DEFAULT false,
	`payload` longtext NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `events_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `drivers` ADD CONSTRAINT `drivers_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `offer_recipients` ADD CONSTRAINT `offer_recipients_offer_id_offers_id_fk` FOREIGN KEY (`offer_id`) REFERENCES `offers`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `offer_recipients` ADD CONSTRAINT `offer_recipients_driver_id_drivers_user_id_fk` FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`user_id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `offers` ADD CONSTRAINT `offers_created_by_users_id_fk` FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `offers` ADD CONSTRAINT `offers_trip_id_trips_id_fk` FOREIGN KEY (`trip_id`) REFERENCES `trips`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `offers` ADD CONSTRAINT `offers_accepted_driver_id_drivers_user_id_fk` FOREIGN KEY (`accepted_driver_id`) REFERENCES `drivers`(`user_id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `trips` ADD CONSTRAINT `trips_rider_id_users_id_fk` FOREIGN KEY (`rider_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `trips` ADD CONSTRAINT `trips_driver_id_drivers_user_id_fk` FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`user_id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `trips` ADD CONSTRAINT `trips_offer_id_offers_id_fk` FOREIGN KEY (`offer_id`) REFERENCES `offers`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `chat_reads` ADD CONSTRAINT `chat_reads_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `chat_reads` ADD CONSTRAINT `chat_reads_offer_id_offers_id_fk` FOREIGN KEY (`offer_id`) REFERENCES `offers`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `chat_reads` ADD CONSTRAINT `chat_reads_driver_id_drivers_user_id_fk` FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`user_id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `messages` ADD CONSTRAINT `messages_offer_id_offers_id_fk` FOREIGN KEY (`offer_id`) REFERENCES `offers`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `messages` ADD CONSTRAINT `messages_driver_id_drivers_user_id_fk` FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`user_id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `messages` ADD CONSTRAINT `messages_sender_id_users_id_fk` FOREIGN KEY (`sender_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `locations` ADD CONSTRAINT `locations_driver_id_drivers_user_id_fk` FOREIGN KEY (`driver_id`) REFERENCES `drivers`(`user_id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `locations` ADD CONSTRAINT `locations_trip_id_trips_id_fk` FOREIGN KEY (`trip_id`) REFERENCES `trips`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `drivers_availability_lat_lng_idx` ON `drivers` (`availability`,`lat`,`lng`);--> statement-breakpoint
CREATE INDEX `offer_recipients_driver_offer_idx` ON `offer_recipients` (`driver_id`,`offer_id`);--> statement-breakpoint
CREATE INDEX `offers_created_by_status_idx` ON `offers` (`created_by`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `offers_status_expires_idx` ON `offers` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `offers_trip_idx` ON `offers` (`trip_id`);--> statement-breakpoint
CREATE INDEX `trips_rider_idx` ON `trips` (`rider_id`,`id`);--> statement-breakpoint
CREATE INDEX `trips_driver_status_idx` ON `trips` (`driver_id`,`status`);--> statement-breakpoint
CREATE INDEX `trips_status_idx` ON `trips` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `messages_thread_idx` ON `messages` (`offer_id`,`driver_id`,`id`);--> statement-breakpoint
CREATE INDEX `locations_driver_recorded_idx` ON `locations` (`driver_id`,`recorded_at`);--> statement-breakpoint
CREATE INDEX `events_dispatcher_idx` ON `events` (`stream`,`dispatcher_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_driver_idx` ON `events` (`stream`,`driver_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_rider_idx` ON `events` (`stream`,`rider_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_all_dispatchers_idx` ON `events` (`stream`,`all_dispatchers`,`id`);