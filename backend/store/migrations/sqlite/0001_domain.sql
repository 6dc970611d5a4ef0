-- 0001: the whole domain, so later work fills in behaviour instead of re-shaping tables.
--
-- Conventions (see README.md beside this file):
--   * primary keys are UUIDv7 strings made by the application (never autoincrement ids in APIs);
--   * every domain row carries org_id and nothing is looked up across organizations;
--   * times are INTEGER milliseconds since the Unix epoch, UTC;
--   * enumerations are TEXT with a CHECK, so a bad value fails loudly at the store.

CREATE TABLE organizations (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- ISO 3166 region used to read national phone numbers (E.164 normalization).
    default_region   TEXT NOT NULL DEFAULT '',
    -- Regulatory settings: double opt-in for new contacts and the consent text the widget shows.
    double_opt_in    INTEGER NOT NULL DEFAULT 1 CHECK (double_opt_in IN (0, 1)),
    consent_text     TEXT NOT NULL DEFAULT '',
    -- OAuth client id for Google Sign-In in the widget ('' = not configured).
    google_client_id TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

-- Agents: the people who use the desktop. The owner is the first admin.
CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    created_at  INTEGER NOT NULL,
    disabled_at INTEGER
);
CREATE UNIQUE INDEX users_org_email ON users (org_id, email);

-- Inboxes: where conversations arrive, with their feature toggles.
CREATE TABLE inboxes (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organizations (id),
    kind                TEXT NOT NULL CHECK (kind IN ('chat', 'phone')),
    name                TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- E.164 number of a phone inbox ('' for chat inboxes).
    phone_number        TEXT NOT NULL DEFAULT '',
    prechat_ask_name    INTEGER NOT NULL DEFAULT 1 CHECK (prechat_ask_name IN (0, 1)),
    prechat_ask_email   INTEGER NOT NULL DEFAULT 1 CHECK (prechat_ask_email IN (0, 1)),
    email_signin        INTEGER NOT NULL DEFAULT 0 CHECK (email_signin IN (0, 1)),
    google_signin       INTEGER NOT NULL DEFAULT 0 CHECK (google_signin IN (0, 1)),
    transcript_after    INTEGER NOT NULL DEFAULT 0 CHECK (transcript_after IN (0, 1)),
    -- A chat idle this long is ended (0 = never).
    idle_end_minutes    INTEGER NOT NULL DEFAULT 30 CHECK (idle_end_minutes >= 0),
    -- Hash of the telephony provider's auth token reference; the token itself lives in the secret store.
    webhook_secret_ref  TEXT NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    deleted_at          INTEGER
);
CREATE INDEX inboxes_org ON inboxes (org_id);
CREATE UNIQUE INDEX inboxes_org_phone ON inboxes (org_id, phone_number)
    WHERE kind = 'phone' AND deleted_at IS NULL;

-- Contacts: customers. 'pending' waits for a double opt-in confirmation and is not in the contact
-- list; 'merged' lives on (nothing a merge touches is deleted) and points at its survivor.
CREATE TABLE contacts (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    name          TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'active', 'merged')),
    merged_into   TEXT REFERENCES contacts (id),
    -- The consent text the customer saw when the contact was registered, and when.
    consent_text  TEXT NOT NULL DEFAULT '',
    consented_at  INTEGER,
    confirmed_at  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CHECK ((status = 'merged') = (merged_into IS NOT NULL))
);
CREATE INDEX contacts_org_status_name ON contacts (org_id, status, name);
CREATE INDEX contacts_merged_into ON contacts (merged_into) WHERE merged_into IS NOT NULL;

-- Contact fields: one email or phone of a contact. value_norm is the normalized form (one place
-- normalizes: backend/contacts); value_display is what the person typed, for showing.
CREATE TABLE contact_fields (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    contact_id     TEXT NOT NULL REFERENCES contacts (id),
    kind           TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    value_norm     TEXT NOT NULL CHECK (length(value_norm) BETWEEN 1 AND 320),
    value_display  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    -- A removed field is kept for history; only live fields count for identity.
    removed_at     INTEGER
);
-- The identity rule: a normalized value belongs to at most one live contact per organization.
-- It is also the index every identity lookup (email or phone -> contact) uses.
CREATE UNIQUE INDEX contact_fields_identity ON contact_fields (org_id, kind, value_norm)
    WHERE removed_at IS NULL;
CREATE INDEX contact_fields_contact ON contact_fields (contact_id);

-- Verifications: the record that a contact field was proven. A record, not a flag.
CREATE TABLE verifications (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    field_id         TEXT NOT NULL REFERENCES contact_fields (id),
    method           TEXT NOT NULL CHECK (method IN
                        ('google', 'email_otp', 'email_link', 'double_opt_in', 'agent', 'system')),
    actor_user_id    TEXT REFERENCES users (id),
    conversation_id  TEXT REFERENCES conversations (id),
    -- Evidence: the Google subject, the call id, the challenge id: whatever proved it.
    evidence         TEXT NOT NULL DEFAULT '',
    verified_at      INTEGER NOT NULL,
    revoked_at       INTEGER,
    revoked_by       TEXT REFERENCES users (id),
    CHECK ((method = 'agent') = (actor_user_id IS NOT NULL))
);
CREATE INDEX verifications_field ON verifications (field_id, verified_at);

-- Devices: a customer's browser, known by a device token kept in its local storage.
-- Only the SHA-256 of the token is stored.
CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    token_hash    BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    user_agent    TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    revoked_at    INTEGER
);

-- What a device has proven: this browser verified this field. Revoked when an agent removes the
-- verification or the contact is merged away.
CREATE TABLE device_proofs (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    device_id        TEXT NOT NULL REFERENCES devices (id),
    field_id         TEXT NOT NULL REFERENCES contact_fields (id),
    verification_id  TEXT NOT NULL REFERENCES verifications (id),
    created_at       INTEGER NOT NULL,
    revoked_at       INTEGER
);
CREATE INDEX device_proofs_device ON device_proofs (device_id, field_id);
CREATE INDEX device_proofs_field ON device_proofs (field_id);

-- Conversations: one chat or one call ("transaction").
CREATE TABLE conversations (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations (id),
    inbox_id          TEXT NOT NULL REFERENCES inboxes (id),
    kind              TEXT NOT NULL CHECK (kind IN ('chat', 'call')),
    status            TEXT NOT NULL CHECK (status IN ('open', 'ended')),
    contact_id        TEXT REFERENCES contacts (id),
    link_state        TEXT NOT NULL DEFAULT 'none' CHECK (link_state IN ('none', 'preliminary', 'verified')),
    -- The field the link rests on (the email given in chat, the caller's number).
    link_field_id     TEXT REFERENCES contact_fields (id),
    device_id         TEXT REFERENCES devices (id),
    -- What the customer told us before any contact existed (pre-chat form).
    visitor_name      TEXT NOT NULL DEFAULT '',
    visitor_email     TEXT NOT NULL DEFAULT '',
    customer_tz       TEXT NOT NULL DEFAULT '',
    -- Telephony provider's call id; unique per inbox so webhook retries are idempotent.
    external_id       TEXT,
    call_status       TEXT NOT NULL DEFAULT '',
    duration_seconds  INTEGER,
    assigned_user_id  TEXT REFERENCES users (id),
    unread_count      INTEGER NOT NULL DEFAULT 0,
    started_at        INTEGER NOT NULL,
    last_activity_at  INTEGER NOT NULL,
    ended_at          INTEGER,
    ended_by          TEXT NOT NULL DEFAULT '' CHECK (ended_by IN ('', 'agent', 'customer', 'idle', 'system')),
    CHECK ((link_state = 'none') = (contact_id IS NULL))
);
CREATE INDEX conversations_inbox_list ON conversations (org_id, status, last_activity_at DESC);
CREATE INDEX conversations_contact_timeline ON conversations (contact_id, started_at DESC)
    WHERE contact_id IS NOT NULL;
CREATE INDEX conversations_device ON conversations (device_id) WHERE device_id IS NOT NULL;
CREATE UNIQUE INDEX conversations_external ON conversations (inbox_id, external_id)
    WHERE external_id IS NOT NULL;

-- Messages of a conversation. client_msg_id lets a reconnecting widget resend without duplicates.
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations (id),
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    sender_kind     TEXT NOT NULL CHECK (sender_kind IN ('customer', 'agent', 'system')),
    sender_user_id  TEXT REFERENCES users (id),
    body            TEXT NOT NULL CHECK (length(body) <= 20000),
    client_msg_id   TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at);
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, client_msg_id)
    WHERE client_msg_id IS NOT NULL;

-- Full-text search over message bodies (external content: the text is stored once, in messages).
CREATE VIRTUAL TABLE messages_fts USING fts5 (body, content = 'messages', content_rowid = 'rowid');
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
    INSERT INTO messages_fts (rowid, body) VALUES (new.rowid, new.body);
END;

-- Verification challenges: one-time codes and link tokens. Only a hash of the secret is stored;
-- consumed_at makes them single use (consume with an UPDATE ... WHERE consumed_at IS NULL).
CREATE TABLE challenges (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    purpose          TEXT NOT NULL CHECK (purpose IN
                        ('chat_code', 'chat_link', 'signin_code', 'double_opt_in', 'sender_link')),
    secret_hash      BLOB NOT NULL CHECK (length(secret_hash) = 32),
    -- What is being proven: a normalized email or phone.
    target_kind      TEXT NOT NULL CHECK (target_kind IN ('email', 'phone')),
    target_value     TEXT NOT NULL,
    -- The one request it is bound to.
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
    CHECK (expires_at > created_at)
);
CREATE UNIQUE INDEX challenges_secret ON challenges (purpose, secret_hash);
-- Rate limits count recent challenges per address and per client.
CREATE INDEX challenges_target ON challenges (org_id, target_kind, target_value, created_at);
CREATE INDEX challenges_client ON challenges (org_id, client_key, created_at);

-- The organization's sender email(s): at most one verified in use, at most one awaiting verification.
CREATE TABLE sender_emails (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    address          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('unverified', 'verified', 'replaced', 'removed')),
    verified_at      INTEGER,
    verified_method  TEXT NOT NULL DEFAULT '' CHECK (verified_method IN ('', 'link', 'imap')),
    link_sent_at     INTEGER,
    created_by       TEXT NOT NULL REFERENCES users (id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CHECK ((status = 'verified') = (verified_at IS NOT NULL) OR status = 'replaced')
);
CREATE UNIQUE INDEX sender_emails_one_verified ON sender_emails (org_id) WHERE status = 'verified';
CREATE UNIQUE INDEX sender_emails_one_pending ON sender_emails (org_id) WHERE status = 'unverified';

-- Mail accounts: the SMTP relay and the IMAP mailbox to watch. Never the password: secret_ref
-- names the entry in the OS keyring (desktop) or the environment variable/file (vouchd).
CREATE TABLE mail_accounts (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('smtp', 'imap')),
    host        TEXT NOT NULL,
    port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    tls_mode    TEXT NOT NULL CHECK (tls_mode IN ('implicit', 'starttls', 'none')),
    username    TEXT NOT NULL DEFAULT '',
    secret_ref  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX mail_accounts_org_purpose ON mail_accounts (org_id, purpose);

-- Where the mailbox poller stands: only mail past last_uid (within uid_validity) is read.
CREATE TABLE mailbox_checkpoints (
    account_id    TEXT NOT NULL REFERENCES mail_accounts (id),
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    mailbox       TEXT NOT NULL,
    uid_validity  INTEGER NOT NULL,
    last_uid      INTEGER NOT NULL,
    last_poll_at  INTEGER,
    last_error    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, mailbox)
);

-- The outbox: the durable queue of emails. A message is queued in the same transaction as the
-- change that causes it; idempotency_key stops the same email from being queued twice.
CREATE TABLE outbox (
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
    -- Message-ID header; fixed at queue time so a resend after a crash is recognisable as the same mail.
    message_id       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    conversation_id  TEXT REFERENCES conversations (id),
    contact_id       TEXT REFERENCES contacts (id),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE UNIQUE INDEX outbox_idempotency ON outbox (org_id, idempotency_key);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at) WHERE status IN ('queued', 'retrying', 'sending');
CREATE INDEX outbox_conversation ON outbox (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX outbox_log ON outbox (org_id, created_at DESC);

-- Merges: two contacts becoming one. moved is JSON listing every row id that moved, for undo.
CREATE TABLE merges (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    survivor_id    TEXT NOT NULL REFERENCES contacts (id),
    merged_id      TEXT NOT NULL REFERENCES contacts (id),
    actor_user_id  TEXT REFERENCES users (id),
    reason         TEXT NOT NULL,
    moved          TEXT NOT NULL DEFAULT '{}',
    created_at     INTEGER NOT NULL,
    undone_at      INTEGER,
    undone_by      TEXT REFERENCES users (id),
    CHECK (survivor_id <> merged_id)
);
CREATE INDEX merges_survivor ON merges (survivor_id, created_at DESC);
CREATE INDEX merges_merged ON merges (merged_id);

-- Audit trail: who did what, when. actor_user_id is NULL for the system and for customers.
CREATE TABLE audit_log (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    actor_user_id  TEXT REFERENCES users (id),
    actor_kind     TEXT NOT NULL CHECK (actor_kind IN ('agent', 'customer', 'system')),
    action         TEXT NOT NULL,
    entity         TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT '{}',
    at             INTEGER NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_id, at);
CREATE INDEX audit_log_org ON audit_log (org_id, at);
