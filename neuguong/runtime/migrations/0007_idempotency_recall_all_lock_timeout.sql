-- idempotency_recall_all (0006) with a lock timeout for the rest of the transaction, set in the same round trip:
-- a group of commands (runtime.grouping) must not sit behind a lock that another transaction holds (an import's
-- uncommitted commitment of the same member and year, a key in flight in another process) with every request of
-- the group waiting and its slot taken; past the timeout the group fails and its requests run one per
-- transaction, where only the one that meets the lock waits. NULL (a single request) leaves the setting alone.
DROP FUNCTION idempotency_recall_all(integer, text[], text[]);
CREATE FUNCTION idempotency_recall_all(lock_class integer, p_actors text[], p_keys text[], p_lock_timeout text)
RETURNS TABLE (actor text, key text, request_hash text, status_code integer, response jsonb)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    lock_key integer;
BEGIN
    IF p_lock_timeout IS NOT NULL THEN
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
