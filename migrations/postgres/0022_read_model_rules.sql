-- The digest of the rules each read-model row was computed under (RuleSources::digest):
-- a row computed under other rules (another release, or a rules directory that changed)
-- is behind and rebuilt, as a row behind its record is. Existing rows have none and are
-- rebuilt once.
ALTER TABLE repo_rollups ADD COLUMN rules_digest TEXT NOT NULL DEFAULT '';
