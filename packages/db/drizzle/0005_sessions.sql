CREATE TABLE `sessions` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`user_id` bigint unsigned NOT NULL,
	`refresh_hash` char(64) NOT NULL,
	`previous_refresh_hash` char(64),
	`refreshed_at` datetime(3) NOT NULL,
	`expires_at` datetime(3) NOT NULL,
	`revoked_at` datetime(3),
	`revoke_reason` enum('logged_out','logged_out_everywhere','refresh_reused','password_changed','user_disabled','user_deleted','expired'),
	`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	CONSTRAINT `sessions_id` PRIMARY KEY(`id`),
	CONSTRAINT `sessions_refresh_hash_unique` UNIQUE(`refresh_hash`)
);
--> statement-breakpoint
ALTER TABLE `users` ADD `disabled_at` datetime(3);--> statement-breakpoint
ALTER TABLE `sessions` ADD CONSTRAINT `sessions_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE INDEX `sessions_previous_refresh_hash_idx` ON `sessions` (`previous_refresh_hash`);