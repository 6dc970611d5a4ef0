-- 0006: sign-in at chat start (docs/verification.md, "Sign-in at chat start").
--
-- Email sign-in: the customer asks for a code before any conversation exists, so the code is
-- bound to the widget's sign-in handle (challenges.widget_session, the hex SHA-256 of a token
-- only the widget holds) instead of a conversation. It also keeps what the customer typed (the
-- address as typed, for showing) and the consent text they agreed to, since the contact is made
-- only when the code comes back, up to ten minutes later.
ALTER TABLE challenges ADD COLUMN target_display TEXT NOT NULL DEFAULT '';
ALTER TABLE challenges ADD COLUMN consent_text TEXT NOT NULL DEFAULT '';
-- The codes of one sign-in (the live one, and the resend limits).
CREATE INDEX challenges_widget_session ON challenges (org_id, widget_session, created_at)
    WHERE widget_session <> '';

-- Google Sign-In: the verification keeps the Google subject (sub) in evidence, as 0001 says, and
-- the SHA-256 of the ID token that proved it, so one token signs in once.
ALTER TABLE verifications ADD COLUMN token_hash BLOB CHECK (token_hash IS NULL OR length(token_hash) = 32);
CREATE UNIQUE INDEX verifications_token ON verifications (token_hash) WHERE token_hash IS NOT NULL;
-- Identity is keyed by sub: the contact a Google account signed in as before.
CREATE INDEX verifications_google_subject ON verifications (org_id, evidence, verified_at)
    WHERE method = 'google';
