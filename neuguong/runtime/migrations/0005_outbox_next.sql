-- The relay's next batch (neuguong.runtime.relay) in one round trip, with the planner settings it needs.
--
-- Rows not published, not parked, not behind a parked row of their key (a key never overtakes itself), and
-- not among p_leaving_out: the rows in flight or not yet marked while the relay selects its next batch
-- (p_highest is the highest of them; rows above it skip the check). A filter, not an anti-join: the scan
-- stays in index order and stops at the limit (an anti-join made the planner sort the whole backlog).
--
-- The settings leave the planner only that ordered walk of outbox_unpublished. Statistics taken while the
-- relay kept up (a few hundred rows pending) mislead it once a backlog piles up: it fetched the whole backlog
-- with a bitmap scan and sorted it, for every batch (44 ms a batch at 27.500 pending rows, growing with the
-- backlog); the walk takes about 1 ms whatever the backlog. The plan is small: compiling it (JIT) never pays.
-- A function because its SET clauses travel with the call: the select stays one round trip. (SET LOCAL in a
-- transaction took three more, and under load each waits its turn in the service's event loop: the outbox
-- lag at 300 commands/s was about half again as long.)
CREATE FUNCTION outbox_next(p_limit integer, p_leaving_out bigint[], p_highest bigint)
RETURNS TABLE (id bigint, topic text, key text, body bytea, headers jsonb)
LANGUAGE sql STABLE
SET enable_sort = off SET enable_bitmapscan = off SET jit = off
AS $$
SELECT o.id, o.topic, o.key, o.body, o.headers FROM outbox o
WHERE o.published_at IS NULL AND o.parked_at IS NULL
  AND NOT EXISTS (SELECT FROM outbox p WHERE p.parked_at IS NOT NULL AND p.discarded_at IS NULL
                  AND p.topic = o.topic AND p.key = o.key AND p.id < o.id)
  AND (o.id > p_highest OR o.id <> ALL(p_leaving_out))
ORDER BY o.id LIMIT p_limit
$$;
