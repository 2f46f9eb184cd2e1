ALTER TABLE `chat_reads` DROP FOREIGN KEY `chat_reads_offer_id_offers_id_fk`;
--> statement-breakpoint
ALTER TABLE `chat_reads` DROP FOREIGN KEY `chat_reads_driver_id_drivers_user_id_fk`;
--> statement-breakpoint
ALTER TABLE `messages` DROP FOREIGN KEY `messages_offer_id_offers_id_fk`;
--> statement-breakpoint
ALTER TABLE `messages` DROP FOREIGN KEY `messages_driver_id_drivers_user_id_fk`;
--> statement-breakpoint
CREATE INDEX `chat_reads_thread_idx` ON `chat_reads` (`offer_id`,`driver_id`);--> statement-breakpoint
ALTER TABLE `chat_reads` ADD CONSTRAINT `chat_reads_thread_recipient_fk` FOREIGN KEY (`offer_id`,`driver_id`) REFERENCES `offer_recipients`(`offer_id`,`driver_id`) ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `messages` ADD CONSTRAINT `messages_thread_recipient_fk` FOREIGN KEY (`offer_id`,`driver_id`) REFERENCES `offer_recipients`(`offer_id`,`driver_id`) ON DELETE cascade ON UPDATE no action;
