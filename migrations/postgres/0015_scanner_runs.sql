-- Coverage that breaks when a scanner breaks: what each scan's satisfied requirements
-- rely on (metrics::Reliance as JSON; NULL for scans recorded before), and the runs of
-- the default branch (check runs and workflow runs). A run with the same verdict as its
-- source's latest, within 14 days of it, moves that row forward instead of adding one,
-- so a source keeps two rows per streak: its first run and its latest.
ALTER TABLE scans ADD COLUMN reliance TEXT;

CREATE TABLE scanner_runs (
    id BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL,
    -- 'check' (name = the check's name) or 'workflow' (name = the workflow file's path)
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    branch TEXT NOT NULL,
    event TEXT,
    conclusion TEXT NOT NULL,
    completed_at BIGINT NOT NULL,
    -- the first run of the streak this row stands for
    streak_start BIGINT NOT NULL
);
CREATE INDEX scanner_runs_by_source ON scanner_runs (repository_id, source, name, completed_at);
CREATE INDEX scanner_runs_by_time ON scanner_runs (repository_id, completed_at);
