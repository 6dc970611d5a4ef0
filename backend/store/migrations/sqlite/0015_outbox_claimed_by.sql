-- 0015: which process claimed an email it is sending (store.NodeKey). With several vouchd nodes
-- on one PostgreSQL database, an email left "sending" is put back in the queue only when the
-- node that claimed it is gone; on SQLite, one process owns the file, so only rows of an earlier
-- process (another key, or none) are put back.
ALTER TABLE outbox ADD COLUMN claimed_by INTEGER;
