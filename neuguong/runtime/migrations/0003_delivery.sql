-- Delivery guarantees of issue 10: parked outbox rows, the relay's leadership term, idempotency pruning.

-- A row the broker refuses for good (too large, invalid) is parked: set aside until an operator retries it
-- (parked_at back to NULL) or discards it (discarded_at). While parked and not discarded it holds back the
-- later rows of its own (topic, key): a key never overtakes itself.
ALTER TABLE outbox
    ADD COLUMN parked_at     timestamptz,
    ADD COLUMN parked_reason text,
    ADD COLUMN discarded_at  timestamptz;
CREATE INDEX outbox_parked ON outbox (topic, key, id) WHERE parked_at IS NOT NULL AND discarded_at IS NULL;

-- The relay's leadership: whoever holds the advisory lock starts a new term; a mark or a park names its
-- term and is refused once another relay has started a later one (a stale leader is fenced).
CREATE TABLE relay_leadership (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    term       bigint NOT NULL DEFAULT 0,
    holder     text,
    elected_at timestamptz
);
INSERT INTO relay_leadership DEFAULT VALUES;

-- Answers to Idempotency-Keys are pruned by age (NG_IDEMPOTENCY_RETENTION_SECONDS).
CREATE INDEX idempotency_created ON idempotency (created_at);
