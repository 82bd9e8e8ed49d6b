-- Publicity of the honor roll: channels, the honors as the public may see them, durable deliveries.

-- Where publicity goes. The secret signs requests (HMAC-SHA256) and is never returned by a read.
CREATE TABLE channels (
    channel_id           text PRIMARY KEY,
    kind                 text NOT NULL CHECK (kind IN ('portal', 'fanpage')),
    name                 text NOT NULL,
    url                  text NOT NULL,
    secret               text NOT NULL,
    unit_id              text NOT NULL,
    unit_path            text[] NOT NULL,
    min_level            text NOT NULL CHECK (min_level IN ('cell', 'grassroots', 'district', 'province')),
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    -- Circuit breaker, shared by every replica: consecutive failures and the pause they caused.
    consecutive_failures integer NOT NULL DEFAULT 0,
    paused_until         timestamptz
);
CREATE INDEX channels_unit ON channels (unit_id);

-- Honors as publicity needs them: only allow-listed fields, and the subject's name only with consent
-- (a non-consenting name never enters this schema). change_seq orders the pull feeds and their cursor.
CREATE SEQUENCE honor_changes;
CREATE TABLE public_honors (
    honor_id          text PRIMARY KEY,
    subject_kind      text NOT NULL,
    subject_name      text,
    recording_unit_id text NOT NULL,
    unit_path         text[] NOT NULL,
    level             text NOT NULL,
    period            text NOT NULL,
    deed              text NOT NULL,
    approved_by       text NOT NULL,
    recorded_at       timestamptz NOT NULL,
    revoked_at        timestamptz,
    change_seq        bigint NOT NULL DEFAULT nextval('honor_changes'),
    changed_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX public_honors_unit_path ON public_honors USING gin (unit_path);
CREATE INDEX public_honors_change ON public_honors (change_seq DESC);

-- One delivery per (channel, honor, kind): a redelivered event cannot fan out twice.
-- attempts counts the current round (reset by an operator's retry); total_attempts never resets, so
-- "never attempted" (total_attempts = 0) is known for sure when a revocation arrives.
CREATE TABLE deliveries (
    delivery_id     uuid PRIMARY KEY,
    channel_id      text NOT NULL REFERENCES channels,
    honor_id        text NOT NULL REFERENCES public_honors,
    kind            text NOT NULL CHECK (kind IN ('publish', 'retract')),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead', 'cancelled')),
    attempts        integer NOT NULL DEFAULT 0,
    total_attempts  integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    correlation_id  text NOT NULL,
    causation_id    text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    settled_at      timestamptz,
    UNIQUE (channel_id, honor_id, kind)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_state ON deliveries (state, created_at);
