-- 0008: what a contact's timeline and its merges read.
--   * The transcripts emailed to a contact, newest first: the timeline pages them by
--     (contact_id, created_at), and a merge moves them with the contact's conversations.
--   * A contact's verification records by time are read through its fields
--     (verifications_field, 0001); revocations are read the same way.
--   * The merges a contact took part in, as survivor (merges_survivor, 0001) or as the one merged
--     away (merges_merged, 0001), are already indexed.
CREATE INDEX outbox_contact ON outbox (contact_id, created_at) WHERE contact_id IS NOT NULL;
