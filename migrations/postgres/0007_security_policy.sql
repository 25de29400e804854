-- The organisation's security policy (threshold, window, SLA days), from `security:` in
-- its `.github` repository's `.github/fullcover.yml`, as JSON.
ALTER TABLE org_settings ADD COLUMN security_policy TEXT;
