-- Revocations that arrived before their honor (its HonorRecorded was dead-lettered and replayed later,
-- behind the revocation): such an honor is never published.
CREATE TABLE early_revocations (
    honor_id   text PRIMARY KEY,
    revoked_at timestamptz NOT NULL
);
