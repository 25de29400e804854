-- The read model: what the dashboard, the API and the badges read, one row per
-- repository, so that no view reads a repository's history.
--
-- `record_version` counts the changes of a repository's record: triggers bump it on
-- every scan, pull request and run recorded and on every change of the repository's
-- scope, state, name or visibility, so that no write path (batched seeds included) can
-- leave a row behind. A row is current while its `record_version` equals the
-- repository's and `valid_until` (the next moment its coverage changes by time alone:
-- a grace period or a run window ending) has not passed.
ALTER TABLE repositories ADD COLUMN record_version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE repo_rollups (
    repository_id BIGINT PRIMARY KEY,
    record_version BIGINT NOT NULL,
    computed_at BIGINT NOT NULL,
    valid_until BIGINT,
    -- For filters and sorting: the short name lowercased, the store's state, whether
    -- fully covered, coverage percent, the missing requirement ids as ` id id `, and
    -- how many requirements a broken scanner breaks.
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    fully_covered BIGINT NOT NULL,
    coverage DOUBLE PRECISION,
    missing TEXT NOT NULL,
    broken BIGINT NOT NULL,
    -- JSON: fullcover_core::metrics::rollup::Timeline and RepoSummary.
    timeline TEXT NOT NULL,
    summary TEXT NOT NULL
);

CREATE FUNCTION fullcover_touch_repository() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE repositories SET record_version = record_version + 1 WHERE id = NEW.repository_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER scans_touch_repository AFTER INSERT ON scans
    FOR EACH ROW EXECUTE FUNCTION fullcover_touch_repository();
CREATE TRIGGER pull_requests_touch_repository AFTER INSERT OR UPDATE ON pull_requests
    FOR EACH ROW EXECUTE FUNCTION fullcover_touch_repository();
CREATE TRIGGER scanner_runs_touch_repository AFTER INSERT OR UPDATE ON scanner_runs
    FOR EACH ROW EXECUTE FUNCTION fullcover_touch_repository();

CREATE FUNCTION fullcover_bump_record_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.record_version := OLD.record_version + 1;
    RETURN NEW;
END
$$;
CREATE TRIGGER repositories_touch BEFORE UPDATE OF full_name, private, state, reason, entered_scope_at, left_scope_at, installation_id ON repositories
    FOR EACH ROW EXECUTE FUNCTION fullcover_bump_record_version();
