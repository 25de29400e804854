-- GitHub's `updated_at` of the newest `pull_request` event applied to the onboarding pull
-- request: an event older than it (out of order, or replayed) changes nothing.
ALTER TABLE pull_requests ADD COLUMN event_updated_at INTEGER;
