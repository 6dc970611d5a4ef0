-- 0004: what live chat needs beyond 0001.
--   * session_hash: the SHA-256 of the widget's session token; the token opens exactly this
--     conversation and nothing else.
--   * email_requested: the agent asked the customer for their email (the widget shows a form).
--   * last_agent_id: who answered last, for the widget's header.
--   * contacts.consent_text / consented_at already exist (0001) for double opt-in.
ALTER TABLE conversations ADD COLUMN session_hash BLOB CHECK (session_hash IS NULL OR length(session_hash) = 32);
ALTER TABLE conversations ADD COLUMN email_requested INTEGER NOT NULL DEFAULT 0 CHECK (email_requested IN (0, 1));
ALTER TABLE conversations ADD COLUMN last_agent_id TEXT REFERENCES users (id);
CREATE UNIQUE INDEX conversations_session ON conversations (session_hash) WHERE session_hash IS NOT NULL;
-- The live code or link of a conversation, and the double opt-in waiting for a contact.
CREATE INDEX challenges_conversation ON challenges (conversation_id, purpose, created_at)
    WHERE conversation_id IS NOT NULL;
CREATE INDEX challenges_contact ON challenges (contact_id, purpose) WHERE contact_id IS NOT NULL;
