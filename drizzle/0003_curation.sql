CREATE TABLE `review_decision` (
	`id` text PRIMARY KEY NOT NULL,
	`item_id` text NOT NULL,
	`user_id` text,
	`kind` text DEFAULT 'review' NOT NULL,
	`decision` text NOT NULL,
	`reason` text,
	`edit` text,
	`claimed_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`item_id`) REFERENCES `review_item`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `review_decision_item_user_idx` ON `review_decision` (`item_id`,`user_id`,`kind`);--> statement-breakpoint
CREATE INDEX `review_decision_user_idx` ON `review_decision` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `review_item` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`subject_id` text NOT NULL,
	`task_id` text,
	`trajectory_id` text,
	`node_id` text,
	`flag` text,
	`summary` text NOT NULL,
	`iteration_id` integer,
	`required_reviews` integer DEFAULT 1 NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`decision` text,
	`decided_via` text,
	`decided_at` integer,
	`outcome` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`task_id`) REFERENCES `task`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`trajectory_id`) REFERENCES `trajectory`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`iteration_id`) REFERENCES `iteration`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `review_item_subject_idx` ON `review_item` (`queue`,`subject_id`);--> statement-breakpoint
CREATE INDEX `review_item_queue_status_idx` ON `review_item` (`queue`,`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `review_lease` (
	`item_id` text NOT NULL,
	`user_id` text NOT NULL,
	`claimed_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`item_id`) REFERENCES `review_item`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `review_lease_item_user_idx` ON `review_lease` (`item_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `review_queue_setting` (
	`queue` text PRIMARY KEY NOT NULL,
	`required_reviews` integer DEFAULT 1 NOT NULL,
	`lease_seconds` integer DEFAULT 300 NOT NULL,
	`updated_by` text,
	`updated_at` integer,
	FOREIGN KEY (`updated_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `step_comment` (
	`id` text PRIMARY KEY NOT NULL,
	`trajectory_id` text NOT NULL,
	`step_index` integer NOT NULL,
	`user_id` text,
	`body` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`resolved_at` integer,
	`resolved_by` text,
	FOREIGN KEY (`trajectory_id`) REFERENCES `trajectory`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`resolved_by`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `step_comment_trajectory_idx` ON `step_comment` (`trajectory_id`,`step_index`);