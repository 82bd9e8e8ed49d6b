-- Channels change after registration: renamed, moved to another URL or level, switched off and on, and
-- their secret rotated. During a rotation the previous secret still signs (beside the new one) until
-- previous_secret_expires_at, so the receiver may switch secrets at any moment of that grace period.
ALTER TABLE channels
    ADD COLUMN enabled                    boolean NOT NULL DEFAULT true,
    ADD COLUMN previous_secret            text,
    ADD COLUMN previous_secret_expires_at timestamptz,
    ADD COLUMN updated_by                 text,
    ADD COLUMN updated_at                 timestamptz;
