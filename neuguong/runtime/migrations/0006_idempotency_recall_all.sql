-- The stored answers of many Idempotency-Keys in one round trip (a group of commands: runtime.grouping): wait
-- for every key's lock, then read. The locks are taken in one order (by their lock key), so two groups sharing
-- keys wait for each other and never deadlock; a single request takes one lock, which fits any order. As in
-- idempotency_recall (0004, which single requests of the release before this one may still call during a
-- rolling upgrade), the read is a statement of its own, on a snapshot taken after the locks.
CREATE FUNCTION idempotency_recall_all(lock_class integer, p_actors text[], p_keys text[])
RETURNS TABLE (actor text, key text, request_hash text, status_code integer, response jsonb)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    lock_key integer;
BEGIN
    FOR lock_key IN
        SELECT DISTINCT hashtext(a || '/' || k) FROM unnest(p_actors, p_keys) AS u(a, k) ORDER BY 1
    LOOP
        PERFORM pg_advisory_xact_lock(lock_class, lock_key);
    END LOOP;
    RETURN QUERY SELECT i.actor, i.key, i.request_hash, i.status_code, i.response FROM idempotency i
                 JOIN unnest(p_actors, p_keys) AS u(a, k) ON i.actor = u.a AND i.key = u.k;
END
$$;
