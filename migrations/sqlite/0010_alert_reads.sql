-- When the App last read an installation's alerts of one family in full (backfill or
-- daily reconciliation): the next reconciliation reads only alerts updated since then.
CREATE TABLE alert_reads (
    installation_id INTEGER NOT NULL,
    family TEXT NOT NULL,
    read_from INTEGER NOT NULL,
    PRIMARY KEY (installation_id, family)
);
