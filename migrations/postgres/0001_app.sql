-- The GitHub App's record: installations, repositories in scope, webhook deliveries,
-- the durable job queue, scans and onboarding pull requests. Times are Unix seconds.

CREATE TABLE installations (
    id BIGINT PRIMARY KEY,
    account TEXT NOT NULL,
    account_type TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE repositories (
    id BIGINT PRIMARY KEY,
    installation_id BIGINT NOT NULL,
    full_name TEXT NOT NULL,
    default_branch TEXT,
    private BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    reason TEXT,
    head_sha TEXT,
    ref_etag TEXT,
    plan_hash TEXT,
    entered_scope_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX repositories_by_installation ON repositories (installation_id);

CREATE TABLE deliveries (
    guid TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    action TEXT,
    installation_id BIGINT,
    payload TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    processed_at BIGINT,
    outcome TEXT
);
CREATE INDEX deliveries_pending ON deliveries (received_at) WHERE processed_at IS NULL;

CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    installation_id BIGINT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    run_after BIGINT NOT NULL,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX jobs_one_queued ON jobs (kind, subject) WHERE state = 'queued';
CREATE INDEX jobs_due ON jobs (state, run_after);

CREATE TABLE scans (
    id BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL,
    commit_sha TEXT NOT NULL,
    scanned_at BIGINT NOT NULL,
    required BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    missing TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX scans_by_repository ON scans (repository_id, scanned_at);

CREATE TABLE pull_requests (
    repository_id BIGINT NOT NULL,
    number BIGINT NOT NULL,
    state TEXT NOT NULL,
    plan_hash TEXT NOT NULL,
    url TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    merged_at BIGINT,
    closed_at BIGINT,
    PRIMARY KEY (repository_id, number)
);

CREATE TABLE pull_request_events (
    id BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL,
    number BIGINT NOT NULL,
    event TEXT NOT NULL,
    at BIGINT NOT NULL
);
