CREATE TABLE `label_function_version` (
	`id` text PRIMARY KEY NOT NULL,
	`node_id` text NOT NULL,
	`version` integer NOT NULL,
	`code` text NOT NULL,
	`author` text NOT NULL,
	`reason` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`node_id`) REFERENCES `pool_node`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lf_version_node_version_idx` ON `label_function_version` (`node_id`,`version`);--> statement-breakpoint
CREATE TABLE `lf_result` (
	`trajectory_id` text NOT NULL,
	`lf_version_id` text NOT NULL,
	`node_id` text NOT NULL,
	`result` integer,
	`outcome` text NOT NULL,
	`evidence_step` integer,
	`error` text,
	`duration_ms` real NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`trajectory_id`) REFERENCES `trajectory`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`lf_version_id`) REFERENCES `label_function_version`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lf_result_pk` ON `lf_result` (`trajectory_id`,`lf_version_id`);--> statement-breakpoint
CREATE INDEX `lf_result_version_idx` ON `lf_result` (`lf_version_id`);--> statement-breakpoint
CREATE INDEX `lf_result_node_idx` ON `lf_result` (`node_id`);--> statement-breakpoint
CREATE TABLE `metrics_snapshot` (
	`id` text PRIMARY KEY NOT NULL,
	`task_id` text,
	`graph_version_id` text,
	`type` text NOT NULL,
	`time` text NOT NULL,
	`metrics` text NOT NULL,
	`record` text,
	`iteration_id` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`task_id`) REFERENCES `task`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`graph_version_id`) REFERENCES `strategy_graph_version`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`iteration_id`) REFERENCES `iteration`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `metrics_task_idx` ON `metrics_snapshot` (`task_id`);--> statement-breakpoint
CREATE TABLE `pool_node` (
	`id` text PRIMARY KEY NOT NULL,
	`description` text NOT NULL,
	`description_key` text NOT NULL,
	`current_version_id` text,
	`created_by` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`iteration_id` integer,
	FOREIGN KEY (`iteration_id`) REFERENCES `iteration`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pool_node_description_key_unique` ON `pool_node` (`description_key`);--> statement-breakpoint
CREATE TABLE `strategy_graph_version` (
	`id` text PRIMARY KEY NOT NULL,
	`task_id` text NOT NULL,
	`version` integer NOT NULL,
	`graph` text NOT NULL,
	`diff` text NOT NULL,
	`reason` text NOT NULL,
	`source_trajectory_id` text,
	`iteration_id` integer,
	`created_by` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`task_id`) REFERENCES `task`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`iteration_id`) REFERENCES `iteration`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `graph_version_task_version_idx` ON `strategy_graph_version` (`task_id`,`version`);--> statement-breakpoint
ALTER TABLE `trajectory` ADD `matched_path` text;--> statement-breakpoint
ALTER TABLE `trajectory` ADD `scored_graph_version_id` text;--> statement-breakpoint
ALTER TABLE `trajectory` ADD `scored_at` integer;