-- 0003: range records in the change sequence. The bulk loader (store.Loader) does not write one
-- change row per inserted row: per-row triggers cost more than half of a bulk load. Instead each
-- committed batch appends one row per (organization, table) with op 'insert', entity_id the
-- smallest key loaded and last_entity_id the largest: "every row of this table whose id is in
-- [entity_id, last_entity_id] may be new". A reader of the feed re-reads those rows; a row that
-- was already there is read again, which is harmless because the feed names rows, not content.
-- Rows written one at a time keep last_entity_id NULL.
ALTER TABLE changes ADD COLUMN last_entity_id TEXT;
