-- Security outcomes: GitHub's alerts as findings with an append-only lifecycle, scope
-- as intervals, merged pull requests and the checks on every commit. Housekeeping never
-- deletes these rows.

CREATE TABLE findings (
    repository_id INTEGER NOT NULL,
    family TEXT NOT NULL,
    number INTEGER NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    default_branch_at INTEGER,
    introduced_at INTEGER,
    introduced_commit TEXT,
    advisory_published_at INTEGER,
    pull_request INTEGER,
    partial_history INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (repository_id, family, number)
);

CREATE TABLE finding_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id INTEGER NOT NULL,
    family TEXT NOT NULL,
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT,
    by_user INTEGER NOT NULL DEFAULT 0,
    at INTEGER NOT NULL,
    delivery_guid TEXT
);
-- The same step at the same time is one event, whichever source (webhook, redelivery,
-- backfill, reconciliation) reports it.
CREATE UNIQUE INDEX finding_events_once ON finding_events (repository_id, family, number, kind, at);

CREATE TABLE scope_spells (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id INTEGER NOT NULL,
    entered_at INTEGER NOT NULL,
    left_at INTEGER,
    reason TEXT
);
CREATE INDEX scope_spells_by_repository ON scope_spells (repository_id, entered_at);
INSERT INTO scope_spells (repository_id, entered_at, left_at, reason)
    SELECT id, entered_scope_at, left_scope_at, CASE WHEN left_scope_at IS NULL THEN NULL ELSE reason END
    FROM repositories;

CREATE TABLE merged_pull_requests (
    repository_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    head_sha TEXT NOT NULL,
    merge_commit_sha TEXT,
    commits TEXT NOT NULL DEFAULT '[]',
    merged_at INTEGER NOT NULL,
    covered_at_merge INTEGER NOT NULL,
    checks_at_merge TEXT NOT NULL,
    PRIMARY KEY (repository_id, number)
);

CREATE TABLE commit_checks (
    repository_id INTEGER NOT NULL,
    head_sha TEXT NOT NULL,
    name TEXT NOT NULL,
    conclusion TEXT NOT NULL,
    completed_at INTEGER NOT NULL,
    PRIMARY KEY (repository_id, head_sha, name)
);

CREATE TABLE installation_permissions (
    installation_id INTEGER PRIMARY KEY,
    permissions TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
