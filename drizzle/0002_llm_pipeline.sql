CREATE TABLE `extrapolated_intent` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text,
	`task_id` text NOT NULL,
	`trajectory_id` text NOT NULL,
	`candidate` text,
	`intent` text,
	`status` text NOT NULL,
	`drop_reason` text,
	`candidate_call_id` text,
	`refine_call_id` text,
	`reviewed_by` text,
	`reviewed_at` integer,
	`created_task_id` text,
	`produced_by` text NOT NULL,
	`iteration_id` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `pipeline_run`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`task_id`) REFERENCES `task`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`trajectory_id`) REFERENCES `trajectory`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reviewed_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`iteration_id`) REFERENCES `iteration`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `extrapolated_intent_task_idx` ON `extrapolated_intent` (`task_id`,`status`);--> statement-breakpoint
CREATE TABLE `key_step` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`task_id` text NOT NULL,
	`trajectory_id` text NOT NULL,
	`position` integer NOT NULL,
	`step_index` integer,
	`description` text NOT NULL,
	`status` text NOT NULL,
	`node_id` text,
	`code` text,
	`key_steps_call_id` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `pipeline_run`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`task_id`) REFERENCES `task`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`trajectory_id`) REFERENCES `trajectory`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `key_step_run_idx` ON `key_step` (`run_id`);--> statement-breakpoint
CREATE INDEX `key_step_trajectory_idx` ON `key_step` (`trajectory_id`);--> statement-breakpoint
CREATE TABLE `lf_attempt` (
	`id` text PRIMARY KEY NOT NULL,
	`key_step_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`code` text,
	`result` integer,
	`outcome` text NOT NULL,
	`error` text,
	`evidence_step` integer,
	`model_call_id` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`key_step_id`) REFERENCES `key_step`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lf_attempt_key_step_attempt_idx` ON `lf_attempt` (`key_step_id`,`attempt`);--> statement-breakpoint
CREATE TABLE `llm_setting` (
	`role` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`base_url` text,
	`model` text NOT NULL,
	`api_key_ciphertext` text,
	`timeout_ms` integer NOT NULL,
	`max_retries` integer NOT NULL,
	`concurrency` integer NOT NULL,
	`sampling` text NOT NULL,
	`updated_by` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`updated_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `model_call` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text,
	`role` text NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`purpose` text NOT NULL,
	`prompt_id` text NOT NULL,
	`prompt_version` text NOT NULL,
	`messages` text NOT NULL,
	`params` text NOT NULL,
	`response` text,
	`response_chars` integer,
	`latency_ms` real NOT NULL,
	`prompt_tokens` integer,
	`completion_tokens` integer,
	`error` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `model_call_run_idx` ON `model_call` (`run_id`);--> statement-breakpoint
CREATE INDEX `model_call_created_idx` ON `model_call` (`created_at`);--> statement-breakpoint
CREATE TABLE `pipeline_item` (
	`run_id` text NOT NULL,
	`subject_id` text NOT NULL,
	`task_id` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`failed_model_call_id` text,
	`summary` text DEFAULT '{}' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `pipeline_run`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pipeline_item_pk` ON `pipeline_item` (`run_id`,`subject_id`);--> statement-breakpoint
CREATE INDEX `pipeline_item_task_idx` ON `pipeline_item` (`task_id`);--> statement-breakpoint
CREATE TABLE `pipeline_run` (
	`id` text PRIMARY KEY NOT NULL,
	`stage` text NOT NULL,
	`job_id` text,
	`scope` text NOT NULL,
	`providers` text NOT NULL,
	`prompt_versions` text NOT NULL,
	`stats` text DEFAULT '{}' NOT NULL,
	`iteration_id` integer,
	`created_by` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`iteration_id`) REFERENCES `iteration`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `pipeline_run_created_idx` ON `pipeline_run` (`created_at`);--> statement-breakpoint
CREATE TABLE `proposed_path` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text,
	`task_id` text NOT NULL,
	`trajectory_id` text NOT NULL,
	`nodes` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`reviewed_by` text,
	`reviewed_at` integer,
	`review_note` text,
	`graph_version_id` text,
	`produced_by` text NOT NULL,
	`iteration_id` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `pipeline_run`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`task_id`) REFERENCES `task`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`trajectory_id`) REFERENCES `trajectory`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`reviewed_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`iteration_id`) REFERENCES `iteration`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `proposed_path_task_idx` ON `proposed_path` (`task_id`,`status`);--> statement-breakpoint
CREATE TABLE `proposed_task` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text,
	`parent_task_id` text NOT NULL,
	`source_trajectory_id` text,
	`intent` text NOT NULL,
	`template` text,
	`params` text,
	`variant` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`reviewed_by` text,
	`reviewed_at` integer,
	`created_task_id` text,
	`model_call_id` text,
	`produced_by` text NOT NULL,
	`iteration_id` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `pipeline_run`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`parent_task_id`) REFERENCES `task`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_trajectory_id`) REFERENCES `trajectory`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`reviewed_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`iteration_id`) REFERENCES `iteration`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `proposed_task_parent_idx` ON `proposed_task` (`parent_task_id`,`status`);