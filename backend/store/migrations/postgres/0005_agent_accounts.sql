-- 0005 (PostgreSQL; SQLite's 0016): agents' accounts on a team server. SQLite's file says what
-- each change is for. PostgreSQL changes the CHECKs in place (the names it gave the column
-- constraints, <table>_<column>_check); nothing is rebuilt.
ALTER TABLE challenges DROP CONSTRAINT challenges_purpose_check,
    ADD CONSTRAINT challenges_purpose_check CHECK (purpose IN
        ('chat_code', 'chat_link', 'signin_code', 'double_opt_in', 'sender_link', 'agent_signin', 'agent_invite'));
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check,
    ADD CONSTRAINT outbox_kind_check CHECK (kind IN
        ('sender_verify', 'chat_code', 'chat_link', 'signin_code', 'double_opt_in', 'transcript',
         'agent_code', 'agent_invite'));

-- A desktop's session: a server-side credential. NO change trigger, on purpose: the change feed
-- is what desktops replicate, and a session must never reach another machine.
CREATE TABLE agent_sessions (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id),
    user_id        TEXT NOT NULL REFERENCES users (id),
    token_hash     BYTEA NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    device         TEXT NOT NULL DEFAULT '' CHECK (length(device) <= 100),
    method         TEXT NOT NULL CHECK (method IN ('email_code', 'google', 'invitation')),
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    revoked_at     BIGINT,
    revoked_by     TEXT REFERENCES users (id),
    revoke_reason  TEXT NOT NULL DEFAULT '',
    CHECK (revoked_at IS NOT NULL OR (revoked_by IS NULL AND revoke_reason = ''))
);
CREATE INDEX agent_sessions_live ON agent_sessions (org_id, user_id, created_at) WHERE revoked_at IS NULL;

CREATE TABLE invitations (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations (id),
    email             TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    email_display     TEXT NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    invited_by        TEXT NOT NULL REFERENCES users (id),
    challenge_id      TEXT NOT NULL REFERENCES challenges (id),
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    accepted_at       BIGINT,
    accepted_user_id  TEXT REFERENCES users (id),
    revoked_at        BIGINT,
    CHECK (expires_at > created_at),
    CHECK ((accepted_at IS NULL) = (accepted_user_id IS NULL)),
    CHECK (accepted_at IS NULL OR revoked_at IS NULL)
);
CREATE UNIQUE INDEX invitations_one_pending ON invitations (org_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE UNIQUE INDEX invitations_challenge ON invitations (challenge_id);
CREATE TRIGGER invitations_change AFTER INSERT OR UPDATE OR DELETE ON invitations
    FOR EACH ROW EXECUTE FUNCTION record_change('org_id', 'id');

-- The email is unique among the organization's active users only (a removed agent can be invited
-- again), and a person's active accounts are found by email across organizations.
DROP INDEX users_org_email;
CREATE UNIQUE INDEX users_org_email ON users (org_id, email) WHERE disabled_at IS NULL;
CREATE INDEX users_email ON users (email) WHERE disabled_at IS NULL;
