ALTER TABLE `step` ADD `model_image_hash` text REFERENCES media(hash);--> statement-breakpoint
ALTER TABLE `task` ADD `difficulty` text;--> statement-breakpoint
ALTER TABLE `task` ADD `passes_on_seed` integer;--> statement-breakpoint
ALTER TABLE `task` ADD `seed_check_message` text;--> statement-breakpoint
ALTER TABLE `task` ADD `seed_checked_at` integer;--> statement-breakpoint
CREATE INDEX `task_difficulty_idx` ON `task` (`difficulty`);--> statement-breakpoint
ALTER TABLE `trajectory` ADD `env_message` text;