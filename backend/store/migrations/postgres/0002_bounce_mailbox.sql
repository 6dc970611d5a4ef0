-- 0002 (PostgreSQL; SQLite's 0014): a third mail account, purpose 'bounce', the separate IMAP
-- mailbox the relay's delivery status notifications go to, with the envelope address the outbox
-- gives (mail_accounts.address, '' for the other purposes). PostgreSQL changes the CHECKs in
-- place; nothing is rebuilt.
ALTER TABLE mail_accounts DROP CONSTRAINT mail_accounts_purpose_check,
    ADD CONSTRAINT mail_accounts_purpose_check CHECK (purpose IN ('smtp', 'imap', 'bounce')),
    ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_health DROP CONSTRAINT mail_health_purpose_check,
    ADD CONSTRAINT mail_health_purpose_check CHECK (purpose IN ('smtp', 'imap', 'bounce'));
