CREATE TABLE `delivery_proofs` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`trip_id` bigint unsigned NOT NULL,
	`driver_id` bigint unsigned NOT NULL,
	`recipient_name` varchar(100) NOT NULL,
	`photo_file_id` bigint unsigned NOT NULL,
	`signature_file_id` bigint unsigned NOT NULL,
	`captured_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `delivery_proofs_id` PRIMARY KEY(`id`),
	CONSTRAINT `delivery_proofs_trip_unique` UNIQUE(`trip_id`)
);
--> statement-breakpoint
CREATE TABLE `proof_files` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`trip_id` bigint unsigned NOT NULL,
	`kind` enum('photo','signature') NOT NULL,
	`uploader_id` bigint unsigned NOT NULL,
	`storage_key` varchar(200) NOT NULL,
	`content_type` enum('image/jpeg','image/png','image/webp') NOT NULL,
	`byte_size` int NOT NULL,
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `proof_files_id` PRIMARY KEY(`id`),
	CONSTRAINT `proof_files_storage_key_unique` UNIQUE(`storage_key`)
);
--> statement-breakpoint
ALTER TABLE `trip_history` MODIFY COLUMN `type` enum('guard_override','reassigned','cancelled','proof_waived') NOT NULL;--> statement-breakpoint
ALTER TABLE `delivery_proofs` ADD CONSTRAINT `delivery_proofs_trip_id_trips_id_fk` FOREIGN KEY (`trip_id`) REFERENCES `trips`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `delivery_proofs` ADD CONSTRAINT `delivery_proofs_driver_id_users_id_fk` FOREIGN KEY (`driver_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `delivery_proofs` ADD CONSTRAINT `delivery_proofs_photo_file_id_proof_files_id_fk` FOREIGN KEY (`photo_file_id`) REFERENCES `proof_files`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `delivery_proofs` ADD CONSTRAINT `delivery_proofs_signature_file_id_proof_files_id_fk` FOREIGN KEY (`signature_file_id`) REFERENCES `proof_files`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `proof_files` ADD CONSTRAINT `proof_files_trip_id_trips_id_fk` FOREIGN KEY (`trip_id`) REFERENCES `trips`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `proof_files` ADD CONSTRAINT `proof_files_uploader_id_users_id_fk` FOREIGN KEY (`uploader_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `proof_files_trip_idx` ON `proof_files` (`trip_id`,`id`);