-- 0019 (SQLite; PostgreSQL's 0008): the agents' API's Idempotency-Key records (docs/api/agent.md,
-- "Retries and Idempotency-Key"). A desktop retries a write when the network fails; it sends the
-- same client-made key with each try, and the server keeps here what the first try did, so a
-- retry is answered from the record instead of being applied twice.
--
-- A row is one key of one agent (org_id, user_id, idem_key): "in progress" (status NULL) from
-- before the call runs until it answered, then the status and the answer's body. response is NULL
-- while in progress and when the answer was too large to keep (the API keeps at most 1 MiB).
-- Rows live 24 hours; api_requests_created lets the API delete the old ones a bounded batch at a
-- time.
--
-- Not domain data: it has NO change triggers and is not in the feed (store.ReplicatedTables), so
-- what an agent sent and got back never travels to another machine.
CREATE TABLE api_requests (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    idem_key     TEXT NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 100),
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    -- The request body's fingerprint (SHA-256, or HMAC-SHA-256 under a key derived from vouchd's
    -- outbox key, so a body holding a password is not guessable from here): the same key with
    -- another body is a client's mistake. The body itself is never kept.
    body_hash    BLOB NOT NULL CHECK (length(body_hash) = 32),
    status       INTEGER,
    response     BLOB,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    CHECK ((status IS NULL) = (finished_at IS NULL)),
    CHECK (response IS NULL OR status IS NOT NULL)
);
CREATE UNIQUE INDEX api_requests_key ON api_requests (org_id, user_id, idem_key);
CREATE INDEX api_requests_created ON api_requests (created_at);
