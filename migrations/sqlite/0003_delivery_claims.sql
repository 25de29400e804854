-- Deliveries are claimed with a lease, so that replicas handle each one once (a handler
-- that dies leaves it to be taken over when the lease runs out).
ALTER TABLE deliveries ADD COLUMN claimed_until INTEGER;
