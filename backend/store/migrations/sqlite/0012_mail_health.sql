-- How each mail account was last seen doing (connected, IDLE or polling, retrying since, the last
-- error and when), written by the engine that runs the outbox and the mailbox watcher so that
-- `vouchd status`, another process, can show it. Local state of this machine, like
-- mailbox_checkpoints: not part of the change feed, so no change triggers.
CREATE TABLE mail_health (
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('smtp', 'imap')),
    state       TEXT NOT NULL,   -- JSON of mailaccounts.Health
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, purpose)
);
