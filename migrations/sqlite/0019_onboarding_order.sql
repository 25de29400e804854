-- Onboarding in the order that raises coverage fastest: when each repository was last
-- pushed to (GitHub's `pushed_at` from the listing, then every push to the default
-- branch; Unix seconds, NULL until known), and each job's priority (greater runs first:
-- a scan's is its repository's `pushed_at`, another job's the moment it was queued).
ALTER TABLE repositories ADD COLUMN pushed_at BIGINT;
ALTER TABLE jobs ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
CREATE INDEX jobs_by_priority ON jobs (priority DESC, run_after, id);
