-- 0018 (SQLite; PostgreSQL's 0007): a desktop's replica of its team's organization
-- (backend/replica). The replica is an ordinary store filled from the team server's change feed
-- (docs/api/agent.md, "The change feed"); this one row is where it is: which server and
-- organization, the feed cursor, and how far an interrupted bootstrap got (the table it was
-- reading and the last id it wrote), so it resumes there instead of starting over.
--
-- Not domain data: it has NO change triggers and is not in the feed (store.ReplicatedTables), so
-- a replica's own position never travels anywhere.
CREATE TABLE replica_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    server_url      TEXT NOT NULL,
    org_id          TEXT NOT NULL,
    -- The feed's cursor: every change up to it is applied. Written in the same transaction as
    -- the page of changes it ends, so a crash never skips or repeats a page.
    feed_cursor     INTEGER NOT NULL DEFAULT 0,
    -- The snapshot: the next table to read ('' once every table is read) and the id after which
    -- its rows are still to come.
    snapshot_table  TEXT NOT NULL DEFAULT '',
    snapshot_after  TEXT NOT NULL DEFAULT '',
    snapshot_done   INTEGER NOT NULL DEFAULT 0 CHECK (snapshot_done IN (0, 1)),
    -- What the bootstrap has written so far (for its progress bar after a resume).
    rows_done       INTEGER NOT NULL DEFAULT 0,
    bytes_done      INTEGER NOT NULL DEFAULT 0,
    -- Set once the snapshot and the changes after it are applied: from then on the replica only
    -- follows the feed.
    bootstrapped_at INTEGER,
    updated_at      INTEGER NOT NULL
);
