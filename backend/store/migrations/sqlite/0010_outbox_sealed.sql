-- 0010: secrets at rest in the outbox (docs/verification.md, "Secrets at rest").
--
-- An email that carries a one-time code or link keeps in body_text/body_html only a copy with
-- the code or link token replaced, for the Delivery log. The real bodies are in sealed: AES-256-GCM
-- under a key kept outside the database (the OS keyring on the desktop, the environment on
-- vouchd), so a copy of the file, its WAL or a backup yields no usable code or link.
--
-- challenge_id is the challenge whose code or link the email carries. The email lives only as long
-- as the challenge: sealed is emptied (NULL) once the email is sent or fails for good, and when the
-- challenge is used, replaced, revoked or expires; an unsent email whose challenge is dead fails
-- instead of going out. A row with a challenge and no sealed copy is never sent.
ALTER TABLE outbox ADD COLUMN challenge_id TEXT REFERENCES challenges (id);
ALTER TABLE outbox ADD COLUMN sealed BLOB;
-- The live sealed copies, by challenge: the trigger below and the expiry sweep find them here.
CREATE INDEX outbox_sealed ON outbox (challenge_id) WHERE sealed IS NOT NULL;

-- Every path that ends a challenge sets consumed_at (used, replaced, revoked, out of attempts):
-- the sealed copy goes in the same transaction, whichever Go code did it.
CREATE TRIGGER challenge_ended_wipes_outbox AFTER UPDATE OF consumed_at ON challenges
WHEN old.consumed_at IS NULL AND new.consumed_at IS NOT NULL BEGIN
    UPDATE outbox SET sealed = NULL,
        status = CASE WHEN status IN ('queued', 'retrying') THEN 'failed' ELSE status END,
        last_error = CASE WHEN status IN ('queued', 'retrying')
            THEN 'Not sent: the code or link in it was used or replaced before it could go out.' ELSE last_error END,
        updated_at = new.consumed_at
    WHERE challenge_id = new.id AND sealed IS NOT NULL;
END;

-- Emails queued by earlier versions carry their code or link in plain text: the bodies are
-- replaced (the subject too, where it carried the code) and any still waiting fails; the customer
-- or the admin asks for a new one.
UPDATE outbox SET
    subject = CASE kind WHEN 'chat_code' THEN 'Your verification code'
                        WHEN 'signin_code' THEN 'Your sign-in code' ELSE subject END,
    body_text = 'This email carried a one-time code or link. It was removed from the database when Vouch Desk began keeping codes and links out of it.',
    body_html = '',
    status = CASE WHEN status IN ('queued', 'retrying', 'sending') THEN 'failed' ELSE status END,
    last_error = CASE WHEN status IN ('queued', 'retrying', 'sending')
        THEN 'Not sent: queued before codes and links were protected; send a new one.' ELSE last_error END,
    updated_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE kind IN ('chat_code', 'chat_link', 'signin_code', 'double_opt_in', 'sender_verify');
