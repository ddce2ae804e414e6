ALTER TABLE `step` ADD `blocked_requests` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `step` ADD `blocked_request_count` integer DEFAULT 0 NOT NULL;