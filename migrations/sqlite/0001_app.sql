-- The GitHub App's record: installations, repositories in scope, webhook deliveries,
-- the durable job queue, scans and onboarding pull requests. Times are Unix seconds.

CREATE TABLE installations (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    account_type TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE repositories (
    id INTEGER PRIMARY KEY,
    installation_id INTEGER NOT NULL,
    full_name TEXT NOT NULL,
    default_branch TEXT,
    private INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    reason TEXT,
    head_sha TEXT,
    ref_etag TEXT,
    plan_hash TEXT,
    entered_scope_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX repositories_by_installation ON repositories (installation_id);

CREATE TABLE deliveries (
    guid TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    action TEXT,
    installation_id INTEGER,
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    processed_at INTEGER,
    outcome TEXT
);
CREATE INDEX deliveries_pending ON deliveries (received_at) WHERE processed_at IS NULL;

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    installation_id INTEGER NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX jobs_one_queued ON jobs (kind, subject) WHERE state = 'queued';
CREATE INDEX jobs_due ON jobs (state, run_after);

CREATE TABLE scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id INTEGER NOT NULL,
    commit_sha TEXT NOT NULL,
    scanned_at INTEGER NOT NULL,
    required INTEGER NOT NULL,
    satisfied INTEGER NOT NULL,
    missing TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX scans_by_repository ON scans (repository_id, scanned_at);

CREATE TABLE pull_requests (
    repository_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    state TEXT NOT NULL,
    plan_hash TEXT NOT NULL,
    url TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    merged_at INTEGER,
    closed_at INTEGER,
    PRIMARY KEY (repository_id, number)
);

CREATE TABLE pull_request_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    event TEXT NOT NULL,
    at INTEGER NOT NULL
);
