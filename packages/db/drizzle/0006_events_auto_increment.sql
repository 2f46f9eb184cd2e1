-- Event ids come from AUTO_INCREMENT instead of the one-row `event_sequence` (see
-- schema/events.ts). Existing rows keep their ids, and new ids continue above every id the
-- sequence handed out, so a client's lastEventId from before stays valid.
ALTER TABLE `events` MODIFY COLUMN `id` bigint unsigned AUTO_INCREMENT NOT NULL;--> statement-breakpoint
SET @next_event_id = (SELECT `last_id` + 1 FROM `event_sequence` WHERE `id` = 1);--> statement-breakpoint
SET @set_next_event_id = CONCAT('ALTER TABLE `events` AUTO_INCREMENT = ', COALESCE(@next_event_id, 1));--> statement-breakpoint
PREPARE set_next_event_id FROM @set_next_event_id;--> statement-breakpoint
EXECUTE set_next_event_id;--> statement-breakpoint
DEALLOCATE PREPARE set_next_event_id;--> statement-breakpoint
DROP TABLE `event_sequence`;--> statement-breakpoint
-- A shared payload's source as a distance back rather than an id: a writer learns its ids
-- only from the INSERT that writes them.
ALTER TABLE `events` ADD `payload_back` int unsigned;--> statement-breakpoint
UPDATE `events` SET `payload_back` = `id` - `payload_of` WHERE `payload_of` IS NOT NULL;--> statement-breakpoint
ALTER TABLE `events` DROP COLUMN `payload_of`;
