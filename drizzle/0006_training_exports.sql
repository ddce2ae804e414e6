CREATE TABLE `fine_tune_run` (
	`id` text PRIMARY KEY NOT NULL,
	`export_id` text NOT NULL,
	`iteration_id` integer,
	`launcher` text NOT NULL,
	`target` text NOT NULL,
	`job_id` text,
	`external_job_id` text,
	`external_status` text,
	`file_ids` text,
	`result_model` text,
	`exit_code` integer,
	`invocation` text,
	`log_path` text NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`export_id`) REFERENCES `training_export`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`iteration_id`) REFERENCES `iteration`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `fine_tune_run_export_idx` ON `fine_tune_run` (`export_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `training_export` (
	`id` text PRIMARY KEY NOT NULL,
	`iteration_id` integer NOT NULL,
	`format` text NOT NULL,
	`options` text NOT NULL,
	`job_id` text,
	`dir` text NOT NULL,
	`summary` text,
	`manifest_sha256` text,
	`created_by` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`iteration_id`) REFERENCES `iteration`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `training_export_iteration_idx` ON `training_export` (`iteration_id`,`created_at`);