-- 0002: the change sequence. Every write to a domain table appends one row here, in the same
-- transaction, through the triggers below, so no code path can forget it. seq only grows
-- (AUTOINCREMENT never reuses a value, even after old rows are compacted away): a replica asks
-- for "everything after seq N" of its organization. Rows name what changed, not its content; the
-- feed reads the current row.

CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    at         INTEGER NOT NULL
);
CREATE INDEX changes_org_seq ON changes (org_id, seq);

CREATE TRIGGER organizations_change_insert AFTER INSERT ON organizations BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.id, 'organizations', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER organizations_change_update AFTER UPDATE ON organizations BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.id, 'organizations', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER organizations_change_delete AFTER DELETE ON organizations BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.id, 'organizations', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER users_change_insert AFTER INSERT ON users BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'users', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER users_change_update AFTER UPDATE ON users BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'users', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER users_change_delete AFTER DELETE ON users BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'users', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER inboxes_change_insert AFTER INSERT ON inboxes BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'inboxes', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER inboxes_change_update AFTER UPDATE ON inboxes BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'inboxes', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER inboxes_change_delete AFTER DELETE ON inboxes BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'inboxes', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER contacts_change_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'contacts', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER contacts_change_update AFTER UPDATE ON contacts BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'contacts', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER contacts_change_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'contacts', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER contact_fields_change_insert AFTER INSERT ON contact_fields BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'contact_fields', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER contact_fields_change_update AFTER UPDATE ON contact_fields BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'contact_fields', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER contact_fields_change_delete AFTER DELETE ON contact_fields BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'contact_fields', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER verifications_change_insert AFTER INSERT ON verifications BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'verifications', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER verifications_change_update AFTER UPDATE ON verifications BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'verifications', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER verifications_change_delete AFTER DELETE ON verifications BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'verifications', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER devices_change_insert AFTER INSERT ON devices BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'devices', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER devices_change_update AFTER UPDATE ON devices BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'devices', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER devices_change_delete AFTER DELETE ON devices BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'devices', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER device_proofs_change_insert AFTER INSERT ON device_proofs BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'device_proofs', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER device_proofs_change_update AFTER UPDATE ON device_proofs BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'device_proofs', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER device_proofs_change_delete AFTER DELETE ON device_proofs BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'device_proofs', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER conversations_change_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'conversations', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER conversations_change_update AFTER UPDATE ON conversations BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'conversations', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER conversations_change_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'conversations', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER messages_change_insert AFTER INSERT ON messages BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'messages', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER messages_change_update AFTER UPDATE ON messages BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'messages', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER messages_change_delete AFTER DELETE ON messages BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'messages', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
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
CREATE TRIGGER sender_emails_change_insert AFTER INSERT ON sender_emails BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'sender_emails', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER sender_emails_change_update AFTER UPDATE ON sender_emails BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'sender_emails', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER sender_emails_change_delete AFTER DELETE ON sender_emails BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'sender_emails', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER mail_accounts_change_insert AFTER INSERT ON mail_accounts BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'mail_accounts', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER mail_accounts_change_update AFTER UPDATE ON mail_accounts BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'mail_accounts', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER mail_accounts_change_delete AFTER DELETE ON mail_accounts BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'mail_accounts', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER mailbox_checkpoints_change_insert AFTER INSERT ON mailbox_checkpoints BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'mailbox_checkpoints', new.account_id || '/' || new.mailbox, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER mailbox_checkpoints_change_update AFTER UPDATE ON mailbox_checkpoints BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'mailbox_checkpoints', new.account_id || '/' || new.mailbox, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER mailbox_checkpoints_change_delete AFTER DELETE ON mailbox_checkpoints BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'mailbox_checkpoints', old.account_id || '/' || old.mailbox, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
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
CREATE TRIGGER merges_change_insert AFTER INSERT ON merges BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'merges', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER merges_change_update AFTER UPDATE ON merges BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'merges', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER merges_change_delete AFTER DELETE ON merges BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'merges', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER audit_log_change_insert AFTER INSERT ON audit_log BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'audit_log', new.id, 'insert', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER audit_log_change_update AFTER UPDATE ON audit_log BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (new.org_id, 'audit_log', new.id, 'update', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER audit_log_change_delete AFTER DELETE ON audit_log BEGIN
    INSERT INTO changes (org_id, entity, entity_id, op, at)
    VALUES (old.org_id, 'audit_log', old.id, 'delete', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
