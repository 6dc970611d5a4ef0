-- 0007 (PostgreSQL; SQLite's 0018): a desktop's replica position (backend/replica). Only
-- desktops use this table: a replica is always a local SQLite store, and a team server never
-- replicates from another. It exists here too so both databases have the same tables (the store's
-- TestBothDatabasesHaveTheSameTables). No change triggers: it is not domain data.
CREATE TABLE replica_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    server_url      TEXT NOT NULL,
    org_id          TEXT NOT NULL,
    feed_cursor     BIGINT NOT NULL DEFAULT 0,
    snapshot_table  TEXT NOT NULL DEFAULT '',
    snapshot_after  TEXT NOT NULL DEFAULT '',
    snapshot_done   INTEGER NOT NULL DEFAULT 0 CHECK (snapshot_done IN (0, 1)),
    rows_done       BIGINT NOT NULL DEFAULT 0,
    bytes_done      BIGINT NOT NULL DEFAULT 0,
    bootstrapped_at BIGINT,
    updated_at      BIGINT NOT NULL
);
