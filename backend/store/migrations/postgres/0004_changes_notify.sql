-- 0004 (PostgreSQL only; SQLite has one process per file and needs no wake-up): every statement
-- that appends to the change sequence sends a NOTIFY on vouchdesk_changes, so the other nodes'
-- live chat followers read the new rows at once rather than at their next poll. The
-- notification only wakes: PostgreSQL folds identical ones of a transaction into one and
-- delivers them after the commit, and a listener that was away misses them, so followers always
-- read the changes table itself (docs/decisions.md, "Live chat across nodes").
CREATE FUNCTION notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vouchdesk_changes', '');
    RETURN NULL;
END $$;
CREATE TRIGGER changes_notify AFTER INSERT ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION notify_changes();
