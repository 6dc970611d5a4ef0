-- 0003 (PostgreSQL; SQLite's 0015): which node claimed an email it is sending (store.NodeKey,
-- the key of the advisory lock the node holds while it runs).
ALTER TABLE outbox ADD COLUMN claimed_by BIGINT;
