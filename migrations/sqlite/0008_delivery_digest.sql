-- GitHub's signature covers the body, not the X-GitHub-Delivery header: a captured
-- delivery resent with a fresh GUID is the same body. Its SHA-256 is kept as long as the
-- GUID, and a body seen before is a duplicate.
ALTER TABLE deliveries ADD COLUMN body_digest TEXT;
CREATE UNIQUE INDEX deliveries_body_digest ON deliveries (body_digest) WHERE body_digest IS NOT NULL;
