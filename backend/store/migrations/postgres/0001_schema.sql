-- 0001 (PostgreSQL): the whole schema of SQLite's migrations 0001-0013, in PostgreSQL's terms.
-- PostgreSQL databases start here; from now on a change to the data model adds one numbered file
-- to each dialect's folder. The rules are SQLite's (migrations/README.md): keys are UUIDv7 text
-- made by the application, every domain row has org_id, times are integer milliseconds UTC
-- (BIGINT), flags are 0/1 integers, enumerations are TEXT with a CHECK.
--
-- Text sorts by bytes (the cluster is made with collation C, as SQLite compares), so ranges,
-- orderings and unique values mean the same on both databases.

-- Helpers that let a statement read the same on both databases where SQLite has a built-in
-- PostgreSQL names differently. Each is a plain SQL function the planner inlines.

-- json_extract(doc, '$.a') is SQLite's: the text at a top-level key of a JSON text.
CREATE FUNCTION json_extract(doc TEXT, path TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (doc::jsonb) #>> string_to_array(substr(path, 3), '.');

-- json_array_length(doc, '$.a') is SQLite's two-argument form: the length of an array at a key
-- (NULL when the key is missing).
CREATE FUNCTION json_array_length(doc TEXT, path TEXT) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN jsonb_array_length((doc::jsonb) #> string_to_array(substr(path, 3), '.'));

-- json_each(array) is SQLite's table of an array's elements: key (the position) and value (the
-- element as text). Statements read j.key and j.value.
CREATE FUNCTION json_each(doc TEXT) RETURNS TABLE (key BIGINT, value TEXT)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT e.n - 1, e.v FROM jsonb_array_elements_text(doc::jsonb) WITH ORDINALITY AS e (v, n) $$;

-- now_ms is the time a change row records (the SQLite triggers use unixepoch('subsec')).
CREATE FUNCTION now_ms() RETURNS BIGINT
    LANGUAGE sql VOLATILE PARALLEL SAFE
    RETURN (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT;

CREATE TABLE organizations (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    default_region   TEXT NOT NULL DEFAULT '',
    double_opt_in    INTEGER NOT NULL DEFAULT 1 CHECK (double_opt_in IN (0, 1)),
    consent_text     TEXT NOT NULL DEFAULT '',
    google_client_id TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    created_at  BIGINT NOT NULL,
    disabled_at BIGINT
);
CREATE UNIQUE INDEX users_org_email ON users (org_id, email);

CREATE TABLE inboxes (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organizations (id),
    kind                TEXT NOT NULL CHECK (kind IN ('chat', 'phone')),
    name                TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    phone_number        TEXT NOT NULL DEFAULT '',
    prechat_ask_name    INTEGER NOT NULL DEFAULT 1 CHECK (prechat_ask_name IN (0, 1)),
    prechat_ask_email   INTEGER NOT NULL DEFAULT 1 CHECK (prechat_ask_email IN (0, 1)),
    email_signin        INTEGER NOT NULL DEFAULT 0 CHECK (email_signin IN (0, 1)),
    google_signin       INTEGER NOT NULL DEFAULT 0 CHECK (google_signin IN (0, 1)),
    transcript_after    INTEGER NOT NULL DEFAULT 0 CHECK (transcript_after IN (0, 1)),
    idle_end_minutes    INTEGER NOT NULL DEFAULT 30 CHECK (idle_end_minutes >= 0),
    webhook_secret_ref  TEXT NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    deleted_at          BIGINT,
    forward_to          TEXT CHECK (forward_to IS NULL OR (length(forward_to) BETWEEN 3 AND 16 AND forward_to ~ '^\+[1-9][0-9]*$'))
);
CREATE INDEX inboxes_org ON inboxes (org_id);
CREATE UNIQUE INDEX inboxes_org_phone ON inboxes (org_id, phone_number)
    WHERE kind = 'phone' AND deleted_at IS NULL;

CREATE TABLE contacts (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    name          TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'active', 'merged')),
    merged_into   TEXT REFERENCES contacts (id),
    consent_text  TEXT NOT NULL DEFAULT '',
    consented_at  BIGINT,
    confirmed_at  BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CHECK ((status = 'merged') = (merged_into IS NOT NULL))
);
CREATE INDEX contacts_org_status_name ON contacts (org_id, status, name);
CREATE INDEX contacts_merged_into ON contacts (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE contact_fields (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    contact_id     TEXT NOT NULL REFERENCES contacts (id),
    kind           TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    value_norm     TEXT NOT NULL CHECK (length(value_norm) BETWEEN 1 AND 320),
    value_display  TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    removed_at     BIGINT
);
CREATE UNIQUE INDEX contact_fields_identity ON contact_fields (org_id, kind, value_norm)
    WHERE removed_at IS NULL;
CREATE INDEX contact_fields_contact ON contact_fields (contact_id);

CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    token_hash    BYTEA NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    user_agent    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    revoked_at    BIGINT
);

CREATE TABLE conversations (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations (id),
    inbox_id          TEXT NOT NULL REFERENCES inboxes (id),
    kind              TEXT NOT NULL CHECK (kind IN ('chat', 'call')),
    status            TEXT NOT NULL CHECK (status IN ('open', 'ended')),
    contact_id        TEXT REFERENCES contacts (id),
    link_state        TEXT NOT NULL DEFAULT 'none' CHECK (link_state IN ('none', 'preliminary', 'verified')),
    link_field_id     TEXT REFERENCES contact_fields (id),
    device_id         TEXT REFERENCES devices (id),
    visitor_name      TEXT NOT NULL DEFAULT '',
    visitor_email     TEXT NOT NULL DEFAULT '',
    customer_tz       TEXT NOT NULL DEFAULT '',
    external_id       TEXT,
    call_status       TEXT NOT NULL DEFAULT '',
    duration_seconds  INTEGER,
    assigned_user_id  TEXT REFERENCES users (id),
    unread_count      INTEGER NOT NULL DEFAULT 0,
    started_at        BIGINT NOT NULL,
    last_activity_at  BIGINT NOT NULL,
    ended_at          BIGINT,
    ended_by          TEXT NOT NULL DEFAULT '' CHECK (ended_by IN ('', 'agent', 'customer', 'idle', 'system')),
    session_hash      BYTEA CHECK (session_hash IS NULL OR octet_length(session_hash) = 32),
    email_requested   INTEGER NOT NULL DEFAULT 0 CHECK (email_requested IN (0, 1)),
    last_agent_id     TEXT REFERENCES users (id),
    CHECK ((link_state = 'none') = (contact_id IS NULL))
);
CREATE INDEX conversations_inbox_list ON conversations (org_id, status, last_activity_at DESC);
CREATE INDEX conversations_contact_timeline ON conversations (contact_id, started_at DESC)
    WHERE contact_id IS NOT NULL;
CREATE INDEX conversations_device ON conversations (device_id) WHERE device_id IS NOT NULL;
CREATE UNIQUE INDEX conversations_external ON conversations (inbox_id, external_id)
    WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX conversations_session ON conversations (session_hash) WHERE session_hash IS NOT NULL;

CREATE TABLE verifications (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    field_id         TEXT NOT NULL REFERENCES contact_fields (id),
    method           TEXT NOT NULL CHECK (method IN
                        ('google', 'email_otp', 'email_link', 'double_opt_in', 'agent', 'system')),
    actor_user_id    TEXT REFERENCES users (id),
    conversation_id  TEXT REFERENCES conversations (id),
    evidence         TEXT NOT NULL DEFAULT '',
    verified_at      BIGINT NOT NULL,
    revoked_at       BIGINT,
    revoked_by       TEXT REFERENCES users (id),
    token_hash       BYTEA CHECK (token_hash IS NULL OR octet_length(token_hash) = 32),
    CHECK ((method = 'agent') = (actor_user_id IS NOT NULL))
);
CREATE INDEX verifications_field ON verifications (field_id, verified_at);
CREATE UNIQUE INDEX verifications_token ON verifications (token_hash) WHERE token_hash IS NOT NULL;
CREATE INDEX verifications_google_subject ON verifications (org_id, evidence, verified_at)
    WHERE method = 'google';

CREATE TABLE device_proofs (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    device_id        TEXT NOT NULL REFERENCES devices (id),
    field_id         TEXT NOT NULL REFERENCES contact_fields (id),
    verification_id  TEXT NOT NULL REFERENCES verifications (id),
    created_at       BIGINT NOT NULL,
    revoked_at       BIGINT
);
CREATE INDEX device_proofs_device ON device_proofs (device_id, field_id);
CREATE INDEX device_proofs_field ON device_proofs (field_id);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations (id),
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    sender_kind     TEXT NOT NULL CHECK (sender_kind IN ('customer', 'agent', 'system')),
    sender_user_id  TEXT REFERENCES users (id),
    body            TEXT NOT NULL CHECK (length(body) <= 20000),
    client_msg_id   TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at);
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, client_msg_id)
    WHERE client_msg_id IS NOT NULL;
CREATE INDEX messages_conversation_order ON messages (conversation_id, id);

CREATE TABLE sender_emails (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    address          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('unverified', 'verified', 'replaced', 'removed')),
    verified_at      BIGINT,
    verified_method  TEXT NOT NULL DEFAULT '' CHECK (verified_method IN ('', 'link', 'imap')),
    link_sent_at     BIGINT,
    created_by       TEXT NOT NULL REFERENCES users (id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    CHECK ((status = 'verified') = (verified_at IS NOT NULL) OR status = 'replaced')
);
CREATE UNIQUE INDEX sender_emails_one_verified ON sender_emails (org_id) WHERE status = 'verified';
CREATE UNIQUE INDEX sender_emails_one_pending ON sender_emails (org_id) WHERE status = 'unverified';

CREATE TABLE challenges (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    purpose          TEXT NOT NULL CHECK (purpose IN
                        ('chat_code', 'chat_link', 'signin_code', 'double_opt_in', 'sender_link')),
    secret_hash      BYTEA NOT NULL CHECK (octet_length(secret_hash) = 32),
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
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    consumed_at      BIGINT,
    target_display   TEXT NOT NULL DEFAULT '',
    consent_text     TEXT NOT NULL DEFAULT '',
    CHECK (expires_at > created_at)
);
CREATE UNIQUE INDEX challenges_secret ON challenges (purpose, secret_hash);
CREATE INDEX challenges_target ON challenges (org_id, target_kind, target_value, created_at);
CREATE INDEX challenges_client ON challenges (org_id, client_key, created_at);
CREATE INDEX challenges_conversation ON challenges (conversation_id, purpose, created_at)
    WHERE conversation_id IS NOT NULL;
CREATE INDEX challenges_contact ON challenges (contact_id, purpose) WHERE contact_id IS NOT NULL;
CREATE INDEX challenges_widget_session ON challenges (org_id, widget_session, created_at)
    WHERE widget_session <> '';

CREATE TABLE mail_accounts (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('smtp', 'imap')),
    host        TEXT NOT NULL,
    port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    tls_mode    TEXT NOT NULL CHECK (tls_mode IN ('implicit', 'starttls', 'none')),
    username    TEXT NOT NULL DEFAULT '',
    secret_ref  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX mail_accounts_org_purpose ON mail_accounts (org_id, purpose);

CREATE TABLE mailbox_checkpoints (
    account_id    TEXT NOT NULL REFERENCES mail_accounts (id),
    org_id        TEXT NOT NULL REFERENCES organizations (id),
    mailbox       TEXT NOT NULL,
    uid_validity  BIGINT NOT NULL,
    last_uid      BIGINT NOT NULL,
    last_poll_at  BIGINT,
    last_error    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, mailbox)
);

CREATE TABLE merges (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    survivor_id    TEXT NOT NULL REFERENCES contacts (id),
    merged_id      TEXT NOT NULL REFERENCES contacts (id),
    actor_user_id  TEXT REFERENCES users (id),
    reason         TEXT NOT NULL,
    moved          TEXT NOT NULL DEFAULT '{}',
    created_at     BIGINT NOT NULL,
    undone_at      BIGINT,
    undone_by      TEXT REFERENCES users (id),
    CHECK (survivor_id <> merged_id)
);
CREATE INDEX merges_survivor ON merges (survivor_id, created_at DESC);
CREATE INDEX merges_merged ON merges (merged_id);

CREATE TABLE audit_log (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    actor_user_id  TEXT REFERENCES users (id),
    actor_kind     TEXT NOT NULL CHECK (actor_kind IN ('agent', 'customer', 'system')),
    action         TEXT NOT NULL,
    entity         TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT '{}',
    at             BIGINT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_id, at);
CREATE INDEX audit_log_org ON audit_log (org_id, at);

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
    message_id       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'bounced')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    conversation_id  TEXT REFERENCES conversations (id),
    contact_id       TEXT REFERENCES contacts (id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    sent_at          BIGINT,
    challenge_id     TEXT REFERENCES challenges (id),
    sealed           BYTEA,
    bounce_kind      TEXT NOT NULL DEFAULT '' CHECK (bounce_kind IN ('', 'hard', 'soft', 'delayed')),
    bounce_reason    TEXT NOT NULL DEFAULT '',
    bounced_at       BIGINT,
    CHECK ((status = 'bounced') = (bounce_kind IN ('hard', 'soft')))
);
CREATE UNIQUE INDEX outbox_idempotency ON outbox (org_id, idempotency_key);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at) WHERE status IN ('queued', 'retrying', 'sending');
CREATE INDEX outbox_conversation ON outbox (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX outbox_log ON outbox (org_id, created_at DESC);
CREATE INDEX outbox_contact ON outbox (contact_id, created_at) WHERE contact_id IS NOT NULL;
CREATE INDEX outbox_sealed ON outbox (challenge_id) WHERE sealed IS NOT NULL;
CREATE INDEX outbox_message_id ON outbox (message_id);
CREATE INDEX outbox_to ON outbox (org_id, lower(to_addr));

CREATE TABLE signed_in (
    "only"        INTEGER PRIMARY KEY CHECK ("only" = 1),
    user_id       TEXT NOT NULL REFERENCES users (id),
    signed_in_at  BIGINT NOT NULL
);

CREATE TABLE mail_health (
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('smtp', 'imap')),
    state       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, purpose)
);

-- A code or link that was used, replaced or expired wipes the sealed copy of the email that
-- carried it, and an email still waiting to go is not sent (SQLite's 0010 trigger).
CREATE FUNCTION challenge_ended_wipes_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE outbox SET sealed = NULL,
        status = CASE WHEN status IN ('queued', 'retrying') THEN 'failed' ELSE status END,
        last_error = CASE WHEN status IN ('queued', 'retrying')
            THEN 'Not sent: the code or link in it was used or replaced before it could go out.' ELSE last_error END,
        updated_at = NEW.consumed_at
    WHERE challenge_id = NEW.id AND sealed IS NOT NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER challenge_ended_wipes_outbox AFTER UPDATE OF consumed_at ON challenges
    FOR EACH ROW WHEN (OLD.consumed_at IS NULL AND NEW.consumed_at IS NOT NULL)
    EXECUTE FUNCTION challenge_ended_wipes_outbox();

-- The change sequence (SQLite's 0002 and 0003): every write to a domain table appends a row in
-- the same transaction, through the triggers below. seq is an identity column, and the store
-- takes a write lock before any write (Store.Write), so seq values commit in the order they are
-- taken: a reader that has seen seq N never finds a smaller one later (docs/decisions.md).
CREATE TABLE changes (
    seq            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    org_id         TEXT NOT NULL,
    entity         TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    op             TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    at             BIGINT NOT NULL,
    last_entity_id TEXT
);
CREATE INDEX changes_org_seq ON changes (org_id, seq);

-- record_change(org column, key column [, second key column]) appends the row's change. The key
-- of mailbox_checkpoints is two columns, written "account/mailbox" as on SQLite.
CREATE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
    key text;
BEGIN
    IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
    key := r ->> TG_ARGV[1];
    IF TG_NARGS > 2 THEN key := key || '/' || (r ->> TG_ARGV[2]); END IF;
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (r ->> TG_ARGV[0], TG_TABLE_NAME, key, lower(TG_OP), now_ms());
    RETURN NULL;
END $$;

CREATE TRIGGER organizations_change AFTER INSERT OR UPDATE OR DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION record_change('id', 'id');
CREATE TRIGGER users_change AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER inboxes_change AFTER INSERT OR UPDATE OR DELETE ON inboxes
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER contacts_change AFTER INSERT OR UPDATE OR DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER contact_fields_change AFTER INSERT OR UPDATE OR DELETE ON contact_fields
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER verifications_change AFTER INSERT OR UPDATE OR DELETE ON verifications
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER devices_change AFTER INSERT OR UPDATE OR DELETE ON devices
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER device_proofs_change AFTER INSERT OR UPDATE OR DELETE ON device_proofs
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER conversations_change AFTER INSERT OR UPDATE OR DELETE ON conversations
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER messages_change AFTER INSERT OR UPDATE OR DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER challenges_change AFTER INSERT OR UPDATE OR DELETE ON challenges
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER sender_emails_change AFTER INSERT OR UPDATE OR DELETE ON sender_emails
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER mail_accounts_change AFTER INSERT OR UPDATE OR DELETE ON mail_accounts
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER mailbox_checkpoints_change AFTER INSERT OR UPDATE OR DELETE ON mailbox_checkpoints
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'account_id', 'mailbox');
CREATE TRIGGER merges_change AFTER INSERT OR UPDATE OR DELETE ON merges
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER audit_log_change AFTER INSERT OR UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');
CREATE TRIGGER outbox_change AFTER INSERT OR UPDATE OR DELETE ON outbox
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');

-- Contact search (SQLite's 0007, an FTS5 trigram table): one lower-cased document per listed
-- (active) contact, its name and its live emails and phones, under a trigram GIN index that
-- answers "contains" for fragments of three characters or more.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE contact_search (
    contact_id  TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX contact_search_doc ON contact_search USING gin (doc gin_trgm_ops);

-- reindex_contact_search(contact) rewrites one contact's document: gone unless it is active.
CREATE FUNCTION reindex_contact_search(cid TEXT) RETURNS void LANGUAGE sql AS $$
    DELETE FROM contact_search WHERE contact_id = cid;
    INSERT INTO contact_search (contact_id, org_id, doc)
        SELECT c.id, c.org_id, lower(c.name || ' ' || coalesce((SELECT string_agg(f.value_norm, ' ' ORDER BY f.created_at, f.id)
            FROM contact_fields f WHERE f.contact_id = c.id AND f.removed_at IS NULL), ''))
        FROM contacts c WHERE c.id = cid AND c.status = 'active';
$$;
CREATE FUNCTION contact_search_from_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reindex_contact_search(NEW.id);
    RETURN NULL;
END $$;
CREATE FUNCTION contact_search_from_field() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM reindex_contact_search(OLD.contact_id); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.contact_id <> OLD.contact_id) THEN
        PERFORM reindex_contact_search(NEW.contact_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER contact_search_contact AFTER INSERT OR UPDATE OF name, status ON contacts
    FOR EACH ROW EXECUTE FUNCTION contact_search_from_contact();
CREATE TRIGGER contact_search_field AFTER INSERT OR DELETE OR UPDATE OF contact_id, value_norm, removed_at ON contact_fields
    FOR EACH ROW EXECUTE FUNCTION contact_search_from_field();
