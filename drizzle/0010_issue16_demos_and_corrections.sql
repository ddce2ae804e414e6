ALTER TABLE `trajectory` ADD `derived_from_id` text REFERENCES trajectory(id) ON DELETE set null;--> statement-breakpoint
ALTER TABLE `trajectory` ADD `takeover_step` integer;--> statement-breakpoint
ALTER TABLE `trajectory` ADD `harmful_step` integer;--> statement-breakpoint
ALTER TABLE `trajectory` ADD `harmful_step_by` text;--> statement-breakpoint
ALTER TABLE `trajectory` ADD `harmful_step_at` integer;--> statement-breakpoint
CREATE INDEX `trajectory_derived_from_idx` ON `trajectory` (`derived_from_id`);