-- A counter of each installation's security record: triggers bump it on every finding,
-- finding event, scope spell and merged pull request recorded and on every change of the
-- installation's permissions, so that views may keep the security outcomes they computed
-- until the next write (app/reports.rs).
ALTER TABLE installations ADD COLUMN security_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER findings_insert_touch_installation AFTER INSERT ON findings
BEGIN
    UPDATE installations SET security_version = security_version + 1
    WHERE id = (SELECT installation_id FROM repositories WHERE id = NEW.repository_id);
END;
CREATE TRIGGER findings_update_touch_installation AFTER UPDATE ON findings
BEGIN
    UPDATE installations SET security_version = security_version + 1
    WHERE id = (SELECT installation_id FROM repositories WHERE id = NEW.repository_id);
END;
CREATE TRIGGER finding_events_touch_installation AFTER INSERT ON finding_events
BEGIN
    UPDATE installations SET security_version = security_version + 1
    WHERE id = (SELECT installation_id FROM repositories WHERE id = NEW.repository_id);
END;
CREATE TRIGGER scope_spells_insert_touch_installation AFTER INSERT ON scope_spells
BEGIN
    UPDATE installations SET security_version = security_version + 1
    WHERE id = (SELECT installation_id FROM repositories WHERE id = NEW.repository_id);
END;
CREATE TRIGGER scope_spells_update_touch_installation AFTER UPDATE ON scope_spells
BEGIN
    UPDATE installations SET security_version = security_version + 1
    WHERE id = (SELECT installation_id FROM repositories WHERE id = NEW.repository_id);
END;
CREATE TRIGGER merged_pull_requests_insert_touch_installation AFTER INSERT ON merged_pull_requests
BEGIN
    UPDATE installations SET security_version = security_version + 1
    WHERE id = (SELECT installation_id FROM repositories WHERE id = NEW.repository_id);
END;
CREATE TRIGGER merged_pull_requests_update_touch_installation AFTER UPDATE ON merged_pull_requests
BEGIN
    UPDATE installations SET security_version = security_version + 1
    WHERE id = (SELECT installation_id FROM repositories WHERE id = NEW.repository_id);
END;
CREATE TRIGGER installation_permissions_insert_touch AFTER INSERT ON installation_permissions
BEGIN
    UPDATE installations SET security_version = security_version + 1 WHERE id = NEW.installation_id;
END;
CREATE TRIGGER installation_permissions_update_touch AFTER UPDATE ON installation_permissions
BEGIN
    UPDATE installations SET security_version = security_version + 1 WHERE id = NEW.installation_id;
END;
