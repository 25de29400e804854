-- A counter of each installation's security record: triggers bump it on every finding,
-- finding event, scope spell and merged pull request recorded and on every change of the
-- installation's permissions, so that views may keep the security outcomes they computed
-- until the next write (app/reports.rs).
ALTER TABLE installations ADD COLUMN security_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION fullcover_touch_installation_security() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE installations SET security_version = security_version + 1
    WHERE id = (SELECT installation_id FROM repositories WHERE id = NEW.repository_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER findings_touch_installation AFTER INSERT OR UPDATE ON findings
    FOR EACH ROW EXECUTE FUNCTION fullcover_touch_installation_security();
CREATE TRIGGER finding_events_touch_installation AFTER INSERT ON finding_events
    FOR EACH ROW EXECUTE FUNCTION fullcover_touch_installation_security();
CREATE TRIGGER scope_spells_touch_installation AFTER INSERT OR UPDATE ON scope_spells
    FOR EACH ROW EXECUTE FUNCTION fullcover_touch_installation_security();
CREATE TRIGGER merged_pull_requests_touch_installation AFTER INSERT OR UPDATE ON merged_pull_requests
    FOR EACH ROW EXECUTE FUNCTION fullcover_touch_installation_security();

CREATE FUNCTION fullcover_touch_installation_permissions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE installations SET security_version = security_version + 1 WHERE id = NEW.installation_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER installation_permissions_touch AFTER INSERT OR UPDATE ON installation_permissions
    FOR EACH ROW EXECUTE FUNCTION fullcover_touch_installation_permissions();
