-- The unique key is added before the old index goes: the driver_id foreign key needs one of them at all times.
ALTER TABLE `locations` ADD CONSTRAINT `locations_driver_recorded_unique` UNIQUE(`driver_id`,`recorded_at`);--> statement-breakpoint
DROP INDEX `locations_driver_recorded_idx` ON `locations`;
