-- 0016: agents' accounts on a team server. Agents' desktops sign in to vouchd over its HTTPS API,
-- by a code sent by email, by Google, or by accepting an invitation.
--
--   * challenges.purpose gains 'agent_signin' (the code a desktop asks for) and 'agent_invite'
--     (the single-use token of an invitation's link); outbox.kind gains 'agent_code' and
--     'agent_invite', the emails that carry them.
--   * agent_sessions: a desktop's signed-in session, a revocable bearer credential of which only
--     the SHA-256 of the token is kept. It has NO change triggers, on purpose: the change feed is
--     what desktops replicate, and a session is a server-side credential that must never reach
--     another machine (not even its hash, which would let a replica tell who is signed in where).
--   * invitations: an admin invites an email to the organization with a role; at most one pending
--     (neither accepted nor revoked) invitation per address. Domain data, so it has its triggers.
--   * users: the email is unique among the organization's active users only, so an agent who was
--     removed (disabled_at) can be invited again (a new user; the old one keeps its history), and
--     a person's active accounts are found by email across organizations (users_email).
--
-- SQLite cannot change a CHECK in place, so challenges and outbox are rebuilt, with every index
-- and trigger earlier migrations gave them (0001, 0002, 0004, 0006, 0008, 0010, 0013). outbox
-- points at challenges, and with foreign keys on (they cannot be turned off inside this
-- transaction) a table can only be dropped once nothing refers to it: the new outbox is made
-- pointing at the new challenges, the old outbox is dropped before the old challenges, and
-- renaming the new challenges rewrites the new outbox's reference to it. The copies fire no
-- change triggers (the new tables have none yet): the rows did not change.
DROP TRIGGER challenge_ended_wipes_outbox;

CREATE TABLE challenges_new (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    purpose          TEXT NOT NULL CHECK (purpose IN
                        ('chat_code', 'chat_link', 'signin_code', 'double_opt_in', 'sender_link',
                         'agent_signin', 'agent_invite')),
    secret_hash      BLOB NOT NULL CHECK (length(secret_hash) = 32),
    target_kind      TEXT NOT NULL CHECK (target_kind IN ('email', 'phone')),
    target_value     TEXT NOT NULL,
    conversation_id  TEXT REFERENCES conversations (id),
    widget_session   TEXT NOT NULL DEFAULT '',
    contact_id       TEXT REFERENCES contacts (id),
    sender_email_id  TEXT REFERENCES sender_emails (id),
    requested_by     TEXT REFERENCES users (id),
    client_key       TEXT NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL DEFAULT 5,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    consumed_at      INTEGER,
    target_display   TEXT NOT NULL DEFAULT '',
    consent_text     TEXT NOT NULL DEFAULT '',
    CHECK (expires_at > created_at)
);
INSERT INTO challenges_new (id, org_id, purpose, secret_hash, target_kind, target_value, conversation_id,
    widget_session, contact_id, sender_email_id, requested_by, client_key, attempts, max_attempts,
    created_at, expires_at, consumed_at, target_display, consent_text)
SELECT id, org_id, purpose, secret_hash, target_kind, target_value, conversation_id,
    widget_session, contact_id, sender_email_id, requested_by, client_key, attempts, max_attempts,
    created_at, expires_at, consumed_at, target_display, consent_text
FROM challenges;

CREATE TABLE outbox_new (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    kind             TEXT NOT NULL CHECK (kind IN
                        ('sender_verify', 'chat_code', 'chat_link', 'signin_code', 'double_opt_in', 'transcript',
                         'agent_code', 'agent_invite')),
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
    challenge_id     TEXT REFERENCES challenges_new (id),
    sealed           BLOB,
    bounce_kind      TEXT NOT NULL DEFAULT '' CHECK (bounce_kind IN ('', 'hard', 'soft', 'delayed')),
    bounce_reason    TEXT NOT NULL DEFAULT '',
    bounced_at       INTEGER,
    claimed_by       INTEGER,
    CHECK ((status = 'bounced') = (bounce_kind IN ('hard', 'soft')))
);
INSERT INTO outbox_new (id, org_id, kind, idempotency_key, from_addr, to_addr, subject, body_text, body_html,
    message_id, status, attempts, next_attempt_at, last_error, conversation_id, contact_id, created_at,
    updated_at, sent_at, challenge_id, sealed, bounce_kind, bounce_reason, bounced_at, claimed_by)
SELECT id, org_id, kind, idempotency_key, from_addr, to_addr, subject, body_text, body_html,
    message_id, status, attempts, next_attempt_at, last_error, conversation_id, contact_id, created_at,
    updated_at, sent_at, challenge_id, sealed, bounce_kind, bounce_reason, bounced_at, claimed_by
FROM outbox;

DROP TABLE outbox;
DROP TABLE challenges;
ALTER TABLE challenges_new RENAME TO challenges;
ALTER TABLE outbox_new RENAME TO outbox;

CREATE UNIQUE INDEX challenges_secret ON challenges (purpose, secret_hash);
CREATE INDEX challenges_target ON challenges (org_id, target_kind, target_value, created_at);
CREATE INDEX challenges_client ON challenges (org_id, client_key, created_at);
CREATE INDEX challenges_conversation ON challenges (conversation_id, purpose, created_at)
    WHERE conversation_id IS NOT NULL;
CREATE INDEX challenges_contact ON challenges (contact_id, purpose) WHERE contact_id IS NOT NULL;
CREATE INDEX challenges_widget_session ON challenges (org_id, widget_session, created_at)
    WHERE widget_session <> '';

CREATE UNIQUE INDEX outbox_idempotency ON outbox (org_id, idempotency_key);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at) WHERE status IN ('queued', 'retrying', 'sending');
CREATE INDEX outbox_conversation ON outbox (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX outbox_log ON outbox (org_id, created_at DESC);
CREATE INDEX outbox_contact ON outbox (contact_id, created_at) WHERE contact_id IS NOT NULL;
CREATE INDEX outbox_sealed ON outbox (challenge_id) WHERE sealed IS NOT NULL;
CREATE INDEX outbox_message_id ON outbox (message_id);
CREATE INDEX outbox_to ON outbox (org_id, to_addr COLLATE NOCASE);

CREATE TRIGGER challenges_change_insert AFTER INSERT ON challenges BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'challenges', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER challenges_change_update AFTER UPDATE ON challenges BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'challenges', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER challenges_change_delete AFTER DELETE ON challenges BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'challenges', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
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

-- A desktop's session. device is the name the desktop gives itself ("Ada's laptop"), for the
-- list an agent or admin revokes from. No change triggers: see the top of this file.
CREATE TABLE agent_sessions (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    user_id        TEXT NOT NULL REFERENCES users (id),
    token_hash     BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    device         TEXT NOT NULL DEFAULT '' CHECK (length(device) <= 100),
    method         TEXT NOT NULL CHECK (method IN ('email_code', 'google', 'invitation')),
    created_at     INTEGER NOT NULL,
    last_seen_at   INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_by     TEXT REFERENCES users (id),
    revoke_reason  TEXT NOT NULL DEFAULT '',
    CHECK (revoked_at IS NOT NULL OR (revoked_by IS NULL AND revoke_reason = ''))
);
-- The live sessions of a user (and of the organization, by its prefix), newest first.
CREATE INDEX agent_sessions_live ON agent_sessions (org_id, user_id, created_at) WHERE revoked_at IS NULL;

-- An invitation. email is normalized (what users.email holds), email_display as the admin wrote
-- it; challenge_id is the link token's challenge (purpose 'agent_invite').
CREATE TABLE invitations (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations (id),
    email             TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    email_display     TEXT NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    invited_by        TEXT NOT NULL REFERENCES users (id),
    challenge_id      TEXT NOT NULL REFERENCES challenges (id),
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    accepted_at       INTEGER,
    accepted_user_id  TEXT REFERENCES users (id),
    revoked_at        INTEGER,
    CHECK (expires_at > created_at),
    CHECK ((accepted_at IS NULL) = (accepted_user_id IS NULL)),
    CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
-- At most one pending invitation per address; it also lists the organization's pending ones.
CREATE UNIQUE INDEX invitations_one_pending ON invitations (org_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE UNIQUE INDEX invitations_challenge ON invitations (challenge_id);

CREATE TRIGGER invitations_change_insert AFTER INSERT ON invitations BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'invitations', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER invitations_change_update AFTER UPDATE ON invitations BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'invitations', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER invitations_change_delete AFTER DELETE ON invitations BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'invitations', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

DROP INDEX users_org_email;
CREATE UNIQUE INDEX users_org_email ON users (org_id, email) WHERE disabled_at IS NULL;
CREATE INDEX users_email ON users (email) WHERE disabled_at IS NULL;
