ALTER TABLE `offers` ADD `idempotency_key` char(36);--> statement-breakpoint
ALTER TABLE `offers` ADD CONSTRAINT `offers_created_by_idempotency_key_unique` UNIQUE(`created_by`,`idempotency_key`);