-- An Idempotency-Key's stored answer in one round trip: wait for the key's lock (requests with one key wait
-- for each other), then read. A PL/pgSQL function runs each statement on a fresh snapshot (READ COMMITTED),
-- so the read sees the answer a request holding the lock before committed; one SQL statement could not.
CREATE FUNCTION idempotency_recall(lock_class integer, p_actor text, p_key text)
RETURNS TABLE (request_hash text, status_code integer, response jsonb)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_class, hashtext(p_actor || '/' || p_key));
    RETURN QUERY SELECT i.request_hash, i.status_code, i.response FROM idempotency i
                 WHERE i.actor = p_actor AND i.key = p_key;
END
$$;
