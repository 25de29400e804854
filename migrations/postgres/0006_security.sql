-- Security outcomes: GitHub's alerts as findings with an append-only lifecycle, scope
-- as intervals, merged pull requests and the checks on every commit. Housekeeping never
-- deletes these rows.

CREATE TABLE findings (
    repository_id BIGINT NOT NULL,
    family TEXT NOT NULL,
    number BIGINT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    default_branch_at BIGINT,
    introduced_at BIGINT,
    introduced_commit TEXT,
    advisory_published_at BIGINT,
    pull_request BIGINT,
    partial_history BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (repository_id, family, number)
);

CREATE TABLE finding_events (
    id BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL,
    family TEXT NOT NULL,
    number BIGINT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT,
    by_user BIGINT NOT NULL DEFAULT 0,
    at BIGINT NOT NULL,
    delivery_guid TEXT
);
-- The same step at the same time is one event, whichever source (webhook, redelivery,
-- backfill, reconciliation) reports it.
CREATE UNIQUE INDEX finding_events_once ON finding_events (repository_id, family, number, kind, at);

CREATE TABLE scope_spells (
    id BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL,
    entered_at BIGINT NOT NULL,
    left_at BIGINT,
    reason TEXT
);
CREATE INDEX scope_spells_by_repository ON scope_spells (repository_id, entered_at);
INSERT INTO scope_spells (repository_id, entered_at, left_at, reason)
    SELECT id, entered_scope_at, left_scope_at, CASE WHEN left_scope_at IS NULL THEN NULL ELSE reason END
    FROM repositories;

CREATE TABLE merged_pull_requests (
    repository_id BIGINT NOT NULL,
    number BIGINT NOT NULL,
    head_sha TEXT NOT NULL,
    merge_commit_sha TEXT,
    commits TEXT NOT NULL DEFAULT '[]',
    merged_at BIGINT NOT NULL,
    covered_at_merge BIGINT NOT NULL,
    checks_at_merge TEXT NOT NULL,
    PRIMARY KEY (repository_id, number)
);

CREATE TABLE commit_checks (
    repository_id BIGINT NOT NULL,
    head_sha TEXT NOT NULL,
    name TEXT NOT NULL,
    conclusion TEXT NOT NULL,
    completed_at BIGINT NOT NULL,
    PRIMARY KEY (repository_id, head_sha, name)
);

CREATE TABLE installation_permissions (
    installation_id BIGINT PRIMARY KEY,
    permissions TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
