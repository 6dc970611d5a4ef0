-- 0013: bounces read back (docs/verification.md, "Bounces").
--
-- An email the relay accepted can still come back as a delivery status notification. The outbox
-- row then says so:
--   * status 'bounced': the receiving side gave up (a hard bounce such as an unknown mailbox, or a
--     soft one such as a full mailbox). Nothing is retried: the relay already tried.
--   * bounce_kind 'hard' | 'soft' | 'delayed': 'delayed' is a warning only (the relay is still
--     trying), recorded on a row that stays 'sent'.
--   * bounce_reason: the reason in words with its status code, e.g. "mailbox unknown (5.1.1)";
--     bounced_at: when the report arrived.
-- SQLite cannot change a CHECK in place, so the table is rebuilt with its indexes and triggers;
-- the trigger of 0010 that writes to it is dropped first and made again after.
DROP TRIGGER challenge_ended_wipes_outbox;

CREATE TABLE outbox_new (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    kind             TEXT NOT NULL CHECK (kind IN
                        ('sender_verify', 'chat_code', 'chat_link', 'signin_code', 'double_opt_in', 'transcript')),
    idempotency_key  TEXT NOT NULL,
    from_addr        TEXT NOT NULL,
    to_addr          TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    body_html        TEXT NOT NULL DEFAULT '',
    message_id       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'bounced')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    conversation_id  TEXT REFERENCES conversations (id),
    contact_id       TEXT REFERENCES contacts (id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    sent_at          INTEGER,
    challenge_id     TEXT REFERENCES challenges (id),
    sealed           BLOB,
    bounce_kind      TEXT NOT NULL DEFAULT '' CHECK (bounce_kind IN ('', 'hard', 'soft', 'delayed')),
    bounce_reason    TEXT NOT NULL DEFAULT '',
    bounced_at       INTEGER,
    CHECK ((status = 'bounced') = (bounce_kind IN ('hard', 'soft')))
);

INSERT INTO outbox_new (id, org_id, kind, idempotency_key, from_addr, to_addr, subject, body_text, body_html,
    message_id, status, attempts, next_attempt_at, last_error, conversation_id, contact_id, created_at,
    updated_at, sent_at, challenge_id, sealed)
SELECT id, org_id, kind, idempotency_key, from_addr, to_addr, subject, body_text, body_html,
    message_id, status, attempts, next_attempt_at, last_error, conversation_id, contact_id, created_at,
    updated_at, sent_at, challenge_id, sealed
FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;

CREATE UNIQUE INDEX outbox_idempotency ON outbox (org_id, idempotency_key);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at) WHERE status IN ('queued', 'retrying', 'sending');
CREATE INDEX outbox_conversation ON outbox (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX outbox_log ON outbox (org_id, created_at DESC);
CREATE INDEX outbox_contact ON outbox (contact_id, created_at) WHERE contact_id IS NOT NULL;
CREATE INDEX outbox_sealed ON outbox (challenge_id) WHERE sealed IS NOT NULL;
-- A report names the email it is about by its Message-ID (or, failing that, by its recipient).
CREATE INDEX outbox_message_id ON outbox (message_id);
CREATE INDEX outbox_to ON outbox (org_id, to_addr COLLATE NOCASE);

CREATE TRIGGER outbox_change_insert AFTER INSERT ON outbox BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'outbox', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER outbox_change_update AFTER UPDATE ON outbox BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'outbox', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER outbox_change_delete AFTER DELETE ON outbox BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'outbox', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

CREATE TRIGGER challenge_ended_wipes_outbox AFTER UPDATE OF consumed_at ON challenges
WHEN old.consumed_at IS NULL AND new.consumed_at IS NOT NULL BEGIN
    UPDATE outbox SET sealed = NULL,
        status = CASE WHEN status IN ('queued', 'retrying') THEN 'failed' ELSE status END,
        last_error = CASE WHEN status IN ('queued', 'retrying')
            THEN 'Not sent: the code or link in it was used or replaced before it could go out.' ELSE last_error END,
        updated_at = new.consumed_at
    WHERE challenge_id = new.id AND sealed IS NOT NULL;
END;
