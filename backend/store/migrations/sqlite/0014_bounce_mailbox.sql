-- 0014: the bounce mailbox an admin adds (docs/verification.md, "Bounces").
--
-- An organization may keep a third mail account, purpose 'bounce': a separate IMAP mailbox the
-- relay's delivery status notifications go to. When it is set, the outbox gives its address as
-- the envelope sender (MAIL FROM, which becomes Return-Path), and the engine watches that mailbox
-- for delivery reports only. mail_accounts.address is that envelope address ('' for the other
-- purposes, whose address is the sender email or the login).
--
-- SQLite cannot change a CHECK in place, so mail_accounts is rebuilt. mailbox_checkpoints points
-- at it, and with foreign keys on (they are, and cannot be turned off inside this transaction) the
-- old table can only be dropped once nothing refers to it: the checkpoints are rebuilt alongside,
-- pointing at the new table, and the old checkpoints go first. Renaming the new account table
-- rewrites the checkpoints' reference to it. mail_health gets the new purpose the same way.
CREATE TABLE mail_accounts_new (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('smtp', 'imap', 'bounce')),
    host        TEXT NOT NULL,
    port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    tls_mode    TEXT NOT NULL CHECK (tls_mode IN ('implicit', 'starttls', 'none')),
    username    TEXT NOT NULL DEFAULT '',
    secret_ref  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    address     TEXT NOT NULL DEFAULT ''
);
INSERT INTO mail_accounts_new (id, org_id, purpose, host, port, tls_mode, username, secret_ref, created_at, updated_at)
SELECT id, org_id, purpose, host, port, tls_mode, username, secret_ref, created_at, updated_at FROM mail_accounts;

CREATE TABLE mailbox_checkpoints_new (
    account_id    TEXT NOT NULL REFERENCES mail_accounts_new (id),
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    mailbox       TEXT NOT NULL,
    uid_validity  INTEGER NOT NULL,
    last_uid      INTEGER NOT NULL,
    last_poll_at  INTEGER,
    last_error    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, mailbox)
);
INSERT INTO mailbox_checkpoints_new SELECT account_id, org_id, mailbox, uid_validity, last_uid, last_poll_at, last_error
FROM mailbox_checkpoints;

DROP TABLE mailbox_checkpoints;
DROP TABLE mail_accounts;
ALTER TABLE mail_accounts_new RENAME TO mail_accounts;
ALTER TABLE mailbox_checkpoints_new RENAME TO mailbox_checkpoints;
CREATE UNIQUE INDEX mail_accounts_org_purpose ON mail_accounts (org_id, purpose);

CREATE TRIGGER mail_accounts_change_insert AFTER INSERT ON mail_accounts BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'mail_accounts', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER mail_accounts_change_update AFTER UPDATE ON mail_accounts BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'mail_accounts', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER mail_accounts_change_delete AFTER DELETE ON mail_accounts BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'mail_accounts', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER mailbox_checkpoints_change_insert AFTER INSERT ON mailbox_checkpoints BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'mailbox_checkpoints', new.account_id || '/' || new.mailbox, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER mailbox_checkpoints_change_update AFTER UPDATE ON mailbox_checkpoints BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'mailbox_checkpoints', new.account_id || '/' || new.mailbox, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER mailbox_checkpoints_change_delete AFTER DELETE ON mailbox_checkpoints BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'mailbox_checkpoints', old.account_id || '/' || old.mailbox, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

CREATE TABLE mail_health_new (
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('smtp', 'imap', 'bounce')),
    state       TEXT NOT NULL,   -- JSON of mailaccounts.Health
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, purpose)
);
INSERT INTO mail_health_new SELECT org_id, purpose, state, updated_at FROM mail_health;
DROP TABLE mail_health;
ALTER TABLE mail_health_new RENAME TO mail_health;
