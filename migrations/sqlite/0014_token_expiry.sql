-- An API token may expire (`fullcover token create --expires-in 90d`); NULL never does.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
