-- Coverage over time: what each scan satisfied, per category; when repositories left
-- scope; requirement and check-run history; who may see what.

ALTER TABLE scans ADD COLUMN satisfied_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE scans ADD COLUMN categories TEXT NOT NULL DEFAULT '{}';
ALTER TABLE repositories ADD COLUMN left_scope_at BIGINT;

CREATE TABLE requirement_events (
    id BIGSERIAL PRIMARY KEY,
    repository_id BIGINT NOT NULL,
    requirement TEXT NOT NULL,
    event TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX requirement_events_by_repository ON requirement_events (repository_id, at);

CREATE TABLE check_runs (
    repository_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    head_sha TEXT NOT NULL,
    conclusion TEXT NOT NULL,
    completed_at BIGINT NOT NULL,
    PRIMARY KEY (repository_id, name, head_sha)
);

CREATE TABLE org_settings (
    org TEXT PRIMARY KEY,
    public BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    login TEXT NOT NULL,
    orgs TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
