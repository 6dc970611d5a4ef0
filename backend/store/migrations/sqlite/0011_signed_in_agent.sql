-- 0011: who is signed in on this desktop. The agent acting in the app was "the organization's
-- first user"; with several agents it is the one signed in here. This is local state of one
-- installation, not a domain row: it has no org_id and no change-sequence triggers, and a replica
-- never receives it. One row at most.
CREATE TABLE signed_in (
    only          INTEGER PRIMARY KEY CHECK (only = 1),
    user_id       TEXT NOT NULL REFERENCES users (id),
    signed_in_at  INTEGER NOT NULL
);

-- An existing desktop keeps acting as the agent it acted as before: the first user (the owner).
INSERT INTO signed_in (only, user_id, signed_in_at)
SELECT 1, id, created_at FROM users ORDER BY created_at, id LIMIT 1;
