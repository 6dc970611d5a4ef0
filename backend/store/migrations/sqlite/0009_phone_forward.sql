-- 0009: where a phone inbox forwards its calls (docs/calls.md). When the provider's "a call comes
-- in" webhook points at Vouch Desk, the answer must tell the provider what to do with the call:
-- with a number here it is <Dial>ed; without one the call is only recorded (the empty answer
-- ends it at the provider, so such an inbox relies on the status webhook alone). E.164 or NULL.
ALTER TABLE inboxes ADD COLUMN forward_to TEXT
    CHECK (forward_to IS NULL OR (length(forward_to) BETWEEN 3 AND 16 AND forward_to GLOB '+[1-9]*' AND substr(forward_to, 2) NOT GLOB '*[^0-9]*'));
