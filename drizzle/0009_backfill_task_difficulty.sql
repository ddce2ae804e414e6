-- Custom data migration (drizzle-kit generate --custom): fills the new task.difficulty column from
-- what earlier imports kept in task.meta (State-API `difficulty`, VisualWebArena
-- `overall_difficulty`), so existing databases filter by difficulty without a re-import.
UPDATE `task` SET `difficulty` = lower(json_extract(`meta`, '$.difficulty'))
  WHERE `difficulty` IS NULL AND json_valid(`meta`) AND json_type(`meta`, '$.difficulty') = 'text';--> statement-breakpoint
UPDATE `task` SET `difficulty` = lower(json_extract(`meta`, '$.overall_difficulty'))
  WHERE `difficulty` IS NULL AND json_valid(`meta`) AND json_type(`meta`, '$.overall_difficulty') = 'text';
