-- 0007: search as you type over contacts (docs/decisions.md, "Contact search").
--
-- contact_search is an FTS5 table with the trigram tokenizer: any fragment of three characters or
-- more of a contact's name, emails or phone numbers (E.164, so "5550143" and "2025550143" both
-- match +12025550143) is found by `doc LIKE '%fragment%'` through the trigram index, case-
-- insensitively. detail=none keeps the index small: LIKE checks each candidate against the stored
-- text, so no positions are needed. Only listed contacts (status 'active') have a row.
--
-- FTS rows are keyed by an INTEGER PRIMARY KEY of contact_search_keys, not by contacts.rowid:
-- a table whose key is TEXT may have its rowids renumbered by VACUUM, which would point the index
-- at the wrong contacts.
--
-- The triggers re-index a contact whenever its name or status changes or one of its fields is
-- added, moved (a merge updates contact_id: both contacts are re-indexed) or removed. The bulk
-- loader (store.Loader) suspends them and indexes each batch in one statement instead.
CREATE TABLE contact_search_keys (
    k           INTEGER PRIMARY KEY,
    contact_id  TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE contact_search USING fts5 (doc, tokenize = 'trigram', detail = 'none');

CREATE TRIGGER contact_search_contact_insert AFTER INSERT ON contacts BEGIN
    INSERT OR IGNORE INTO contact_search_keys (contact_id) VALUES (new.id);
    DELETE FROM contact_search WHERE rowid = (SELECT k FROM contact_search_keys WHERE contact_id = new.id);
    INSERT INTO contact_search (rowid, doc)
        SELECT k.k, c.name || ' ' || coalesce((SELECT group_concat(f.value_norm, ' ') FROM contact_fields f
            WHERE f.contact_id = c.id AND f.removed_at IS NULL), '')
        FROM contacts c JOIN contact_search_keys k ON k.contact_id = c.id
        WHERE c.id = new.id AND c.status = 'active';
END;
CREATE TRIGGER contact_search_contact_update AFTER UPDATE OF name, status ON contacts BEGIN
    INSERT OR IGNORE INTO contact_search_keys (contact_id) VALUES (new.id);
    DELETE FROM contact_search WHERE rowid = (SELECT k FROM contact_search_keys WHERE contact_id = new.id);
    INSERT INTO contact_search (rowid, doc)
        SELECT k.k, c.name || ' ' || coalesce((SELECT group_concat(f.value_norm, ' ') FROM contact_fields f
            WHERE f.contact_id = c.id AND f.removed_at IS NULL), '')
        FROM contacts c JOIN contact_search_keys k ON k.contact_id = c.id
        WHERE c.id = new.id AND c.status = 'active';
END;
CREATE TRIGGER contact_search_field_insert AFTER INSERT ON contact_fields BEGIN
    INSERT OR IGNORE INTO contact_search_keys (contact_id) VALUES (new.contact_id);
    DELETE FROM contact_search WHERE rowid = (SELECT k FROM contact_search_keys WHERE contact_id = new.contact_id);
    INSERT INTO contact_search (rowid, doc)
        SELECT k.k, c.name || ' ' || coalesce((SELECT group_concat(f.value_norm, ' ') FROM contact_fields f
            WHERE f.contact_id = c.id AND f.removed_at IS NULL), '')
        FROM contacts c JOIN contact_search_keys k ON k.contact_id = c.id
        WHERE c.id = new.contact_id AND c.status = 'active';
END;
CREATE TRIGGER contact_search_field_update AFTER UPDATE OF contact_id, value_norm, removed_at ON contact_fields BEGIN
    INSERT OR IGNORE INTO contact_search_keys (contact_id) VALUES (old.contact_id);
    DELETE FROM contact_search WHERE rowid = (SELECT k FROM contact_search_keys WHERE contact_id = old.contact_id);
    INSERT INTO contact_search (rowid, doc)
        SELECT k.k, c.name || ' ' || coalesce((SELECT group_concat(f.value_norm, ' ') FROM contact_fields f
            WHERE f.contact_id = c.id AND f.removed_at IS NULL), '')
        FROM contacts c JOIN contact_search_keys k ON k.contact_id = c.id
        WHERE c.id = old.contact_id AND c.status = 'active';
    INSERT OR IGNORE INTO contact_search_keys (contact_id) VALUES (new.contact_id);
    DELETE FROM contact_search WHERE rowid = (SELECT k FROM contact_search_keys WHERE contact_id = new.contact_id);
    INSERT INTO contact_search (rowid, doc)
        SELECT k.k, c.name || ' ' || coalesce((SELECT group_concat(f.value_norm, ' ') FROM contact_fields f
            WHERE f.contact_id = c.id AND f.removed_at IS NULL), '')
        FROM contacts c JOIN contact_search_keys k ON k.contact_id = c.id
        WHERE c.id = new.contact_id AND c.status = 'active';
END;
CREATE TRIGGER contact_search_field_delete AFTER DELETE ON contact_fields BEGIN
    INSERT OR IGNORE INTO contact_search_keys (contact_id) VALUES (old.contact_id);
    DELETE FROM contact_search WHERE rowid = (SELECT k FROM contact_search_keys WHERE contact_id = old.contact_id);
    INSERT INTO contact_search (rowid, doc)
        SELECT k.k, c.name || ' ' || coalesce((SELECT group_concat(f.value_norm, ' ') FROM contact_fields f
            WHERE f.contact_id = c.id AND f.removed_at IS NULL), '')
        FROM contacts c JOIN contact_search_keys k ON k.contact_id = c.id
        WHERE c.id = old.contact_id AND c.status = 'active';
END;

-- Index what is already there.
INSERT INTO contact_search_keys (contact_id) SELECT id FROM contacts WHERE status = 'active';
INSERT INTO contact_search (rowid, doc)
    SELECT k.k, c.name || ' ' || coalesce((SELECT group_concat(f.value_norm, ' ') FROM contact_fields f
        WHERE f.contact_id = c.id AND f.removed_at IS NULL), '')
    FROM contacts c JOIN contact_search_keys k ON k.contact_id = c.id;
