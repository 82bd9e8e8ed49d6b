-- A delivery queued by an operator's backfill of a new channel is caused by that command, not by an
-- event: it has the command's correlation id and no causation id.
ALTER TABLE deliveries ALTER COLUMN causation_id DROP NOT NULL;
