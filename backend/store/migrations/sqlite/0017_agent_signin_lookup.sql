-- 0017 (SQLite; PostgreSQL's 0006): what the agents' sign-in reads and records.
--
-- A desktop's sign-in code is found by its handle alone (the desktop names no organization before
-- it is signed in): an index on the handle for that purpose, since challenges_widget_session
-- starts with the organization.
CREATE INDEX challenges_agent_signin ON challenges (widget_session, created_at)
    WHERE purpose = 'agent_signin';
-- The hash of the Google ID token that opened a session: unique, so a token opens one session.
ALTER TABLE agent_sessions ADD COLUMN proof_hash BLOB CHECK (proof_hash IS NULL OR length(proof_hash) = 32);
CREATE UNIQUE INDEX agent_sessions_proof ON agent_sessions (proof_hash) WHERE proof_hash IS NOT NULL;
