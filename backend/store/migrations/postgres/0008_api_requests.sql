-- 0008 (PostgreSQL; SQLite's 0019): the agents' API's Idempotency-Key records. SQLite's file says
-- what each column is for. No change trigger: not domain data, never in the feed.
CREATE TABLE api_requests (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    idem_key     TEXT NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 100),
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    body_hash    BYTEA NOT NULL CHECK (octet_length(body_hash) = 32),
    status       INTEGER,
    response     BYTEA,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    CHECK ((status IS NULL) = (finished_at IS NULL)),
    CHECK (response IS NULL OR status IS NOT NULL)
);
CREATE UNIQUE INDEX api_requests_key ON api_requests (org_id, user_id, idem_key);
CREATE INDEX api_requests_created ON api_requests (created_at);
