-- Deliveries are claimed with a lease, so that replicas handle each one once (a handler
-- that dies leaves it to be taken over when the lease runs out). Jobs record which
-- replica runs them: one installation's jobs run on one replica at a time, so that its
-- pacing of GitHub writes holds across replicas.
ALTER TABLE deliveries ADD COLUMN claimed_until BIGINT;
ALTER TABLE jobs ADD COLUMN claimed_by TEXT;
