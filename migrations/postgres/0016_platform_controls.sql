-- GitHub's own controls per repository (code scanning default setup, secret scanning,
-- Dependabot alerts) as last read through the API: the answers as JSON
-- (fullcover_core::platform::PlatformControls), when they were read (Unix seconds), and
-- whether a webhook or the daily reconciliation asked for them to be read again.
CREATE TABLE platform_controls (
    repository_id BIGINT PRIMARY KEY,
    answers TEXT NOT NULL,
    checked_at BIGINT NOT NULL,
    stale INTEGER NOT NULL DEFAULT 0
);
