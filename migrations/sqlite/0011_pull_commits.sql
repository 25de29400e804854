-- Whether a merged pull request's commits were read from GitHub (`GET .../pulls/{n}/commits`):
-- until then only its head commit is known.
ALTER TABLE merged_pull_requests ADD COLUMN commits_read INTEGER NOT NULL DEFAULT 0;
