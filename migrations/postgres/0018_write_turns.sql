-- GitHub's secondary limits count an installation's content-creating requests wherever
-- they come from, so replicas share their pacing here. One row per installation: who
-- holds the turn to write (one request at a time), until when (milliseconds since the
-- Unix epoch, on the database's clock), a counter that fences a holder whose turn was
-- taken over, and the earliest time the next request may go out. The log keeps when
-- each request finished, for the per-minute and per-hour windows.
CREATE TABLE write_turns (
    installation_id BIGINT PRIMARY KEY,
    holder TEXT,
    held_until BIGINT,
    turn BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL DEFAULT 0,
    taken_over_from BIGINT
);
CREATE TABLE write_log (
    installation_id BIGINT NOT NULL,
    finished_at BIGINT NOT NULL
);
CREATE INDEX write_log_recent ON write_log (installation_id, finished_at);
