-- 0005: a conversation's messages in id order. The widget's live connection reads "the messages
-- of this conversation after id X, by id" on every new message (backend/widget/live.go), and
-- GET /conversation?after=X pages the same way. messages_conversation is ordered by created_at, so
-- that read scanned and sorted the whole conversation each time; with this index it is a range
-- seek that touches only the new rows. (ids are UUIDv7 made under the single writer: id order is
-- the order messages were stored in.)
CREATE INDEX messages_conversation_order ON messages (conversation_id, id);
