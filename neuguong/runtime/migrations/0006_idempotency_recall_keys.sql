-- The stored answers of many Idempotency-Keys in one round trip (a single request, or a group of commands:
-- runtime.grouping): wait for every key's lock, then read. The locks are taken in one order (by their lock key),
-- so two groups sharing keys wait for each other and never deadlock; a single request takes one lock, which fits
-- any order. As in idempotency_recall (0004, which single requests of the release before this one still call
-- during a rolling upgrade), the read is a statement of its own, on a snapshot taken after the locks.
--
-- A group gives p_lock_timeout: the rest of its transaction waits for no lock longer than that (an import's
-- uncommitted commitment of the same member and year, a key in flight in another process), so that one request
-- meeting a lock does not hold up the whole group; past it the group fails, and its requests run one
-- transaction each, where only the one that meets the lock waits. The setting in force before is kept in
-- neuguong.lock_timeout_before, and the group's last statement puts it back (runtime/idempotency.py,
-- INSERT_ANSWERS_RESTORING): the timeout must not reach the COMMIT, which takes PostgreSQL's cluster-wide NOTIFY
-- lock when the outbox's wake-up call was staged, a lock other committing transactions hold through their WAL
-- flush. A single request gives NULL and leaves the setting alone.
--
-- OR REPLACE: a development database may hold an earlier version of this function, from migrations that never
-- landed (0006_idempotency_recall_all, 0007_idempotency_recall_all_for_groups).
CREATE OR REPLACE FUNCTION idempotency_recall_all(lock_class integer, p_actors text[], p_keys text[], p_lock_timeout text)
RETURNS TABLE (actor text, key text, request_hash text, status_code integer, response jsonb)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    lock_key integer;
BEGIN
    IF p_lock_timeout IS NOT NULL THEN
        PERFORM set_config('neuguong.lock_timeout_before', current_setting('lock_timeout'), true);
        PERFORM set_config('lock_timeout', p_lock_timeout, true);
    END IF;
    FOR lock_key IN
        SELECT DISTINCT hashtext(a || '/' || k) FROM unnest(p_actors, p_keys) AS u(a, k) ORDER BY 1
    LOOP
        PERFORM pg_advisory_xact_lock(lock_class, lock_key);
    END LOOP;
    RETURN QUERY SELECT i.actor, i.key, i.request_hash, i.status_code, i.response FROM idempotency i
                 JOIN unnest(p_actors, p_keys) AS u(a, k) ON i.actor = u.a AND i.key = u.k;
END
$$;
