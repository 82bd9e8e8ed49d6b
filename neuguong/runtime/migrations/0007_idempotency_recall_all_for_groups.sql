-- The keys' locks and stored answers of a group of commands (runtime.grouping), with a lock timeout for the rest
-- of the group's transaction, set in the same round trip: a group must not sit behind a lock another transaction
-- holds (an import's uncommitted commitment of the same member and year, a key in flight in another process)
-- with every request of the group waiting; past the timeout the group fails, and its requests run one
-- transaction each, where only the one that meets the lock waits.
--
-- An overload: 0006's function, which single requests call (and replicas of the release before this one, during
-- a rolling update), stays as it is. OR REPLACE: a development database may hold a first version of this one.
--
-- The setting in force before is kept in neuguong.lock_timeout_before, and the group's last statement puts it
-- back (runtime/idempotency.py, INSERT_ANSWERS_RESTORING): the timeout must not reach the COMMIT, which takes
-- PostgreSQL's cluster-wide NOTIFY lock when the outbox's wake-up call was staged, a lock other committing
-- transactions hold through their WAL flush. Under load a group would otherwise fail at COMMIT, its work done.
CREATE OR REPLACE FUNCTION idempotency_recall_all(lock_class integer, p_actors text[], p_keys text[], p_lock_timeout text)
RETURNS TABLE (actor text, key text, request_hash text, status_code integer, response jsonb)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    lock_key integer;
BEGIN
    PERFORM set_config('neuguong.lock_timeout_before', current_setting('lock_timeout'), true);
    PERFORM set_config('lock_timeout', p_lock_timeout, true);
    FOR lock_key IN
        SELECT DISTINCT hashtext(a || '/' || k) FROM unnest(p_actors, p_keys) AS u(a, k) ORDER BY 1
    LOOP
        PERFORM pg_advisory_xact_lock(lock_class, lock_key);
    END LOOP;
    RETURN QUERY SELECT i.actor, i.key, i.request_hash, i.status_code, i.response FROM idempotency i
                 JOIN unnest(p_actors, p_keys) AS u(a, k) ON i.actor = u.a AND i.key = u.k;
END
$$;
