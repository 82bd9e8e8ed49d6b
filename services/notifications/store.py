"""Every SQL statement of services/notifications."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from neuguong.runtime import locks
from schemas import uuid7

CHANNEL_COLUMNS = (
    "channel_id, kind, name, url, unit_id, min_level, enabled, created_by, created_at, updated_by, "
    "updated_at, previous_secret_expires_at, consecutive_failures, paused_until"
)
INSERT_CHANNEL = f"""
INSERT INTO channels (channel_id, kind, name, url, secret, unit_id, unit_path, min_level, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (channel_id) DO NOTHING RETURNING {CHANNEL_COLUMNS}
"""
SELECT_CHANNEL = f"SELECT {CHANNEL_COLUMNS}, unit_path FROM channels WHERE channel_id = $1"
# NO KEY UPDATE: serialises changes and backfills of a channel without blocking the foreign-key checks of
# deliveries being queued for it (KEY SHARE); the breaker updates of its worker wait for the commit.
SELECT_CHANNEL_FOR_CHANGE = "SELECT unit_path FROM channels WHERE channel_id = $1 FOR NO KEY UPDATE"
# A new secret moves the current one to previous_secret until $7 (the right-hand sides read the row as it
# was); none is kept when $7 is NULL (a zero window). Sending the current secret again changes nothing, so a
# repeated request does not cut the window short. A second rotation inside a window ends the first one.
CHANGE_CHANNEL = f"""
UPDATE channels SET name = coalesce($2, name), url = coalesce($3, url), min_level = coalesce($4, min_level),
       enabled = coalesce($5, enabled),
       previous_secret = CASE WHEN $6::text IS NULL OR $6 = secret THEN previous_secret
                              WHEN $7::timestamptz IS NOT NULL THEN secret END,
       previous_secret_expires_at = CASE WHEN $6::text IS NULL OR $6 = secret THEN previous_secret_expires_at
                                         ELSE $7 END,
       secret = coalesce($6, secret), updated_by = $8, updated_at = $9
WHERE channel_id = $1 RETURNING {CHANNEL_COLUMNS}
"""
# A replaced secret is kept no longer than its window.
FORGET_EXPIRED_SECRETS = """
UPDATE channels SET previous_secret = NULL, previous_secret_expires_at = NULL
WHERE previous_secret_expires_at <= now()
"""
SELECT_CHANNELS_UNDER = f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE $1 = ANY(unit_path) ORDER BY channel_id"
SELECT_CHANNELS_ON_PATH = (
    "SELECT channel_id, unit_id, min_level FROM channels WHERE unit_id = ANY($1::text[]) AND enabled"
)
SELECT_BREAKERS = "SELECT channel_id, consecutive_failures, paused_until FROM channels"
CHANNEL_SUCCEEDED = "UPDATE channels SET consecutive_failures = 0, paused_until = NULL WHERE channel_id = $1"
CHANNEL_FAILED = """
UPDATE channels SET consecutive_failures = consecutive_failures + 1 WHERE channel_id = $1
RETURNING consecutive_failures
"""
PAUSE_CHANNEL = (
    "UPDATE channels SET paused_until = now() + make_interval(secs => $2) WHERE channel_id = $1 RETURNING paused_until"
)

INSERT_HONOR = """
INSERT INTO public_honors (honor_id, subject_kind, subject_name, recording_unit_id, unit_path, level, period, deed,
                           approved_by, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (honor_id) DO NOTHING RETURNING honor_id
"""
REVOKE_HONOR = """
UPDATE public_honors SET revoked_at = $2, change_seq = nextval('honor_changes'), changed_at = now()
WHERE honor_id = $1 AND revoked_at IS NULL RETURNING honor_id
"""
PUBLIC_COLUMNS = "h.*, u.name AS unit_name, u.commune"
SELECT_PUBLIC_HONOR = f"""
SELECT {PUBLIC_COLUMNS} FROM public_honors h LEFT JOIN directory_units u ON u.unit_id = h.recording_unit_id
WHERE h.honor_id = $1
"""
SELECT_FEED = f"""
SELECT {PUBLIC_COLUMNS} FROM public_honors h LEFT JOIN directory_units u ON u.unit_id = h.recording_unit_id
WHERE $1 = ANY(h.unit_path) AND h.level = ANY($2::text[]) AND h.change_seq > $3 AND h.change_seq < $4
ORDER BY h.change_seq DESC LIMIT $5
"""
SELECT_ROLL = f"""
SELECT {PUBLIC_COLUMNS} FROM public_honors h LEFT JOIN directory_units u ON u.unit_id = h.recording_unit_id
WHERE $1 = ANY(h.unit_path) AND h.revoked_at IS NULL AND h.level = ANY($2::text[])
  AND ($3::text IS NULL OR h.period = $3) LIMIT $4
"""
SELECT_ROLL_PERIODS = """
SELECT DISTINCT period FROM public_honors WHERE $1 = ANY(unit_path) AND revoked_at IS NULL ORDER BY period DESC
"""

INSERT_DELIVERIES = """
INSERT INTO deliveries (delivery_id, channel_id, honor_id, kind, correlation_id, causation_id)
SELECT unnest($1::uuid[]), unnest($2::text[]), $3, $4, $5, $6
ON CONFLICT (channel_id, honor_id, kind) DO NOTHING
"""
# Honors on the roll that a channel follows (its unit's subtree, at or above its level), recorded since $2,
# with no publication to that channel yet: the oldest $4.
SELECT_BACKFILL = """
SELECT h.honor_id FROM public_honors h, channels c
WHERE c.channel_id = $1 AND h.unit_path @> ARRAY[c.unit_id] AND h.revoked_at IS NULL AND h.recorded_at >= $2
  AND array_position($3::text[], h.level) >= array_position($3::text[], c.min_level)
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.channel_id = c.channel_id AND d.honor_id = h.honor_id
                    AND d.kind = 'publish')
ORDER BY h.recorded_at, h.honor_id LIMIT $4
"""
INSERT_BACKFILL = """
WITH queued AS (
    INSERT INTO deliveries (delivery_id, channel_id, honor_id, kind, correlation_id, causation_id)
    SELECT unnest($1::uuid[]), $2, unnest($3::text[]), 'publish', $4, NULL
    ON CONFLICT (channel_id, honor_id, kind) DO NOTHING RETURNING 1)
SELECT count(*) FROM queued
"""
CANCEL_UNATTEMPTED = """
UPDATE deliveries SET state = 'cancelled', settled_at = now(), last_error = 'honor revoked before any attempt'
WHERE honor_id = $1 AND kind = 'publish' AND state = 'pending' AND total_attempts = 0 RETURNING channel_id
"""
SELECT_ATTEMPTED_CHANNELS = """
SELECT channel_id FROM deliveries WHERE honor_id = $1 AND kind = 'publish' AND total_attempts > 0
"""
# A retraction waits while its channel's publication of the same honor is unsettled, so a receiver never
# sees the retraction first. The lease (next_attempt_at pushed ahead) hides a claimed row from other replicas.
# A switched-off channel holds its publications, but still gets retractions (a revoked honor must come down)
# and gives up held publications of revoked honors (the worker cancels them, which releases the retraction).
CLAIM_DUE = """
UPDATE deliveries d SET attempts = d.attempts + 1, total_attempts = d.total_attempts + 1,
       next_attempt_at = now() + make_interval(secs => $2)
FROM channels c, public_honors h
WHERE d.delivery_id IN (
    SELECT q.delivery_id FROM deliveries q JOIN channels qc ON qc.channel_id = q.channel_id
    WHERE q.state = 'pending' AND q.next_attempt_at <= now() AND q.channel_id <> ALL($3::text[])
      AND (qc.paused_until IS NULL OR qc.paused_until <= now())
      AND (qc.enabled OR q.kind = 'retract' OR EXISTS (
          SELECT 1 FROM public_honors r WHERE r.honor_id = q.honor_id AND r.revoked_at IS NOT NULL))
      AND (q.kind = 'publish' OR NOT EXISTS (
          SELECT 1 FROM deliveries p WHERE p.channel_id = q.channel_id AND p.honor_id = q.honor_id
            AND p.kind = 'publish' AND p.state = 'pending'))
    ORDER BY q.next_attempt_at, q.created_at LIMIT $1
    FOR UPDATE OF q SKIP LOCKED)
  AND c.channel_id = d.channel_id AND h.honor_id = d.honor_id
RETURNING d.delivery_id, d.next_attempt_at AS lease, d.channel_id, d.honor_id, d.kind, d.attempts, d.created_at,
          d.correlation_id, d.causation_id, c.kind AS channel_kind, c.consecutive_failures, h.revoked_at,
          h.unit_path, h.level, h.period
"""
# Compare-and-set on the lease: a row whose lease ran out may have been claimed by another replica. It
# returns the channel as it is now: a batch is claimed at once and sent one by one, and a channel switched
# off, moved or given a new secret meanwhile must be honoured from the next attempt on.
VALID_PREVIOUS_SECRET = "CASE WHEN c.previous_secret_expires_at > now() THEN c.previous_secret END"  # noqa: S105
RENEW_LEASE = f"""
UPDATE deliveries d SET next_attempt_at = now() + make_interval(secs => $3)
FROM channels c
WHERE d.delivery_id = $1 AND d.next_attempt_at = $2 AND d.state = 'pending' AND c.channel_id = d.channel_id
RETURNING d.next_attempt_at AS lease, c.enabled, c.url, c.secret, {VALID_PREVIOUS_SECRET} AS previous_secret
"""
# Every statement that ends a claim compares and sets on the lease (next_attempt_at as the claim or its last
# renewal left it): a worker whose lease ran out (paused, say) while another replica reclaimed the delivery
# changes nothing, so the other's result stands alone and its events go out once.
# Due again at $3 (NULL: now, by the database's clock, which claims them).
RELEASE_UNTRIED = """
UPDATE deliveries d SET attempts = d.attempts - 1, total_attempts = d.total_attempts - 1,
       next_attempt_at = coalesce($3, now())
FROM unnest($1::uuid[], $2::timestamptz[]) AS mine (delivery_id, lease)
WHERE d.delivery_id = mine.delivery_id AND d.next_attempt_at = mine.lease AND d.state = 'pending'
"""
SETTLE = """
UPDATE deliveries SET state = $3, last_status = $4, last_error = $5, settled_at = now()
WHERE delivery_id = $1 AND next_attempt_at = $2 AND state = 'pending' RETURNING delivery_id
"""
RESCHEDULE = """
UPDATE deliveries SET next_attempt_at = now() + make_interval(secs => $3), last_status = $4, last_error = $5
WHERE delivery_id = $1 AND next_attempt_at = $2 AND state = 'pending' RETURNING delivery_id
"""
COUNT_BACKLOG = "SELECT count(*) FROM deliveries WHERE state = 'pending'"
# Channels an operator of unit $N answers for: those following a unit at or under it ($N NULL: all).
CHANNELS_UNDER = """
SELECT c.channel_id FROM channels c WHERE ${n}::text IS NULL OR c.unit_id IN (
    WITH RECURSIVE subtree AS (
        SELECT unit_id FROM directory_units WHERE unit_id = ${n}
        UNION ALL
        SELECT u.unit_id FROM directory_units u JOIN subtree s ON u.parent_id = s.unit_id)
    SELECT unit_id FROM subtree)
"""
LIST_DELIVERIES = (
    """
SELECT delivery_id, channel_id, honor_id, kind, state, attempts, total_attempts, next_attempt_at, last_status,
       last_error, created_at, settled_at
FROM deliveries WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR channel_id = $2)
  AND channel_id IN ("""
    + CHANNELS_UNDER.replace("${n}", "$4")
    + """)
ORDER BY created_at DESC, delivery_id LIMIT $3
"""
)
RETRY_DEAD = (
    """
UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), settled_at = NULL
WHERE state = 'dead' AND ($1::uuid[] IS NULL OR delivery_id = ANY($1::uuid[]))
  AND ($2::text IS NULL OR channel_id = $2)
  AND channel_id IN ("""
    + CHANNELS_UNDER.replace("${n}", "$3")
    + """)
RETURNING delivery_id
"""
)
# Delivered at commit: wakes the delivery workers of every replica.
NOTIFY_WORKERS = "SELECT pg_notify('deliveries_' || current_schema(), '')"


async def insert_channel(conn: asyncpg.Connection, row: dict) -> asyncpg.Record | None:
    """The new channel, or None when its id is taken."""
    return await conn.fetchrow(
        INSERT_CHANNEL,
        row["channel_id"],
        row["kind"],
        row["name"],
        row["url"],
        row["secret"],
        row["unit_id"],
        row["unit_path"],
        row["min_level"],
        row["created_by"],
        row["created_at"],
    )


async def select_channel(conn: asyncpg.Connection, channel_id: str) -> asyncpg.Record | None:
    """One channel and its unit path, without its secrets."""
    return await conn.fetchrow(SELECT_CHANNEL, channel_id)


async def lock_channel(conn: asyncpg.Connection, channel_id: str) -> asyncpg.Record | None:
    """The channel's unit path, its row locked until the transaction ends; None when there is none."""
    return await conn.fetchrow(SELECT_CHANNEL_FOR_CHANGE, channel_id)


async def forget_expired_secrets(conn: asyncpg.Connection) -> None:
    """Drop replaced secrets whose window has ended."""
    await conn.execute(FORGET_EXPIRED_SECRETS)


async def change_channel(
    conn: asyncpg.Connection, channel_id: str, change: dict, changed_by: str, changed_at: datetime
) -> asyncpg.Record:
    """Apply the given fields (None: unchanged); a new secret keeps the old one valid until
    `previous_secret_valid_until` (None: not at all)."""
    row = await conn.fetchrow(
        CHANGE_CHANNEL,
        channel_id,
        change.get("name"),
        change.get("url"),
        change.get("min_level"),
        change.get("enabled"),
        change.get("secret"),
        change.get("previous_secret_valid_until"),
        changed_by,
        changed_at,
    )
    await conn.execute(NOTIFY_WORKERS)  # switched back on, say: its held deliveries are due now
    return row


async def select_channels_under(conn: asyncpg.Connection, unit_id: str) -> list[asyncpg.Record]:
    """Channels following a unit in `unit_id`'s subtree, without secrets."""
    return await conn.fetch(SELECT_CHANNELS_UNDER, unit_id)


async def select_channels_on_path(conn: asyncpg.Connection, unit_path: list[str]) -> list[asyncpg.Record]:
    """Channels following one of the units of a path (candidates for an honor recorded there)."""
    return await conn.fetch(SELECT_CHANNELS_ON_PATH, unit_path)


async def select_breakers(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every channel's breaker columns."""
    return await conn.fetch(SELECT_BREAKERS)


async def channel_succeeded(conn: asyncpg.Connection, channel_id: str) -> None:
    """Close the channel's breaker."""
    await conn.execute(CHANNEL_SUCCEEDED, channel_id)


async def channel_failed(conn: asyncpg.Connection, channel_id: str) -> int:
    """Count a failure; the consecutive failures now."""
    return await conn.fetchval(CHANNEL_FAILED, channel_id)


async def pause_channel(conn: asyncpg.Connection, channel_id: str, seconds: float) -> datetime:
    """Open the channel's breaker for `seconds`; until when."""
    return await conn.fetchval(PAUSE_CHANNEL, channel_id, seconds)


# Feed changes are numbered and committed one transaction at a time (across replicas too): a portal
# that read up to change n can never later miss a change numbered below n (a tombstone, say) that
# another replica had taken but not yet committed. The lock is held until the consumer's commit.
LOCK_FEED = f"SELECT pg_advisory_xact_lock({locks.PUBLIC_FEED}, 0)"


async def insert_honor(conn: asyncpg.Connection, row: dict) -> bool:
    """Store an honor's public fields; False when it was stored before."""
    await conn.execute(LOCK_FEED)
    return (
        await conn.fetchval(
            INSERT_HONOR,
            row["honor_id"],
            row["subject_kind"],
            row["subject_name"],
            row["recording_unit_id"],
            row["unit_path"],
            row["level"],
            row["period"],
            row["deed"],
            row["approved_by"],
            row["recorded_at"],
        )
        is not None
    )


REMEMBER_EARLY_REVOCATION = """
INSERT INTO early_revocations (honor_id, revoked_at) SELECT $1, $2
WHERE NOT EXISTS (SELECT 1 FROM public_honors WHERE honor_id = $1) ON CONFLICT DO NOTHING
"""
SELECT_EARLY_REVOCATION = "SELECT EXISTS (SELECT 1 FROM early_revocations WHERE honor_id = $1)"


async def remember_early_revocation(conn: asyncpg.Connection, honor_id: str, revoked_at: datetime) -> None:
    """Note a revocation of an honor not seen yet, so the honor is never published when it arrives."""
    await conn.execute(REMEMBER_EARLY_REVOCATION, honor_id, revoked_at)


async def revoked_before_recorded(conn: asyncpg.Connection, honor_id: str) -> bool:
    """True when the honor's revocation came first."""
    return await conn.fetchval(SELECT_EARLY_REVOCATION, honor_id)


async def revoke_honor(conn: asyncpg.Connection, honor_id: str, revoked_at: datetime) -> bool:
    """Mark the honor revoked (a new change for the feeds); False when unknown or revoked before."""
    await conn.execute(LOCK_FEED)
    return await conn.fetchval(REVOKE_HONOR, honor_id, revoked_at) is not None


async def select_public_honor(conn: asyncpg.Connection, honor_id: str) -> asyncpg.Record | None:
    """An honor with its unit's name and commune."""
    return await conn.fetchrow(SELECT_PUBLIC_HONOR, honor_id)


async def select_feed(
    conn: asyncpg.Connection, unit_id: str, levels: list[str], since: int, before: int, limit: int
) -> list[asyncpg.Record]:
    """Changes (recorded or revoked honors) in a subtree after `since` and before `before`, newest first."""
    return await conn.fetch(SELECT_FEED, unit_id, levels, since, before, limit)


async def select_roll(
    conn: asyncpg.Connection, unit_id: str, levels: list[str], period: str | None, limit: int
) -> list[asyncpg.Record]:
    """Standing honors of a subtree, unordered (names sort in Python, the Vietnamese way)."""
    return await conn.fetch(SELECT_ROLL, unit_id, levels, period, limit)


async def select_roll_periods(conn: asyncpg.Connection, unit_id: str) -> list[str]:
    """Periods with standing honors in a subtree, newest first."""
    return [r["period"] for r in await conn.fetch(SELECT_ROLL_PERIODS, unit_id)]


async def insert_deliveries(
    conn: asyncpg.Connection,
    ids: list[UUID],
    channel_ids: list[str],
    honor_id: str,
    kind: str,
    correlation_id: str,
    causation_id: str,
) -> None:
    """One pending delivery per channel; an existing (channel, honor, kind) is left alone."""
    await conn.execute(INSERT_DELIVERIES, ids, channel_ids, honor_id, kind, correlation_id, causation_id)
    await conn.execute(NOTIFY_WORKERS)


async def lock_feed(conn: asyncpg.Connection) -> None:
    """Take the lock that recordings and revocations of honors take, until the transaction ends."""
    await conn.execute(LOCK_FEED)


async def queue_backfill(
    conn: asyncpg.Connection, channel_id: str, since: datetime, levels: Sequence[str], correlation_id: str, limit: int
) -> tuple[int, bool]:
    """Queue publications to a channel of at most `limit` honors it follows recorded since `since`: how many,
    and whether more are left. The caller holds the feed lock (see lock_feed), so no revocation is
    in flight: one committed before is seen here, one after finds these deliveries and cancels them."""
    honor_ids = [r["honor_id"] for r in await conn.fetch(SELECT_BACKFILL, channel_id, since, list(levels), limit + 1)]
    more, honor_ids = len(honor_ids) > limit, honor_ids[:limit]
    if not honor_ids:
        return 0, False
    queued = await conn.fetchval(INSERT_BACKFILL, [uuid7() for _ in honor_ids], channel_id, honor_ids, correlation_id)
    await conn.execute(NOTIFY_WORKERS)
    return queued, more


async def cancel_unattempted(conn: asyncpg.Connection, honor_id: str) -> list[str]:
    """Cancel publications never attempted; the channels they were for."""
    return [r["channel_id"] for r in await conn.fetch(CANCEL_UNATTEMPTED, honor_id)]


async def select_attempted_channels(conn: asyncpg.Connection, honor_id: str) -> list[str]:
    """Channels a publication of the honor was attempted to (it may have arrived)."""
    return [r["channel_id"] for r in await conn.fetch(SELECT_ATTEMPTED_CHANNELS, honor_id)]


async def claim_due(
    conn: asyncpg.Connection, limit: int, lease_seconds: float, busy: list[str]
) -> list[asyncpg.Record]:
    """Claim due deliveries of channels that are not paused and not busy in this process."""
    return await conn.fetch(CLAIM_DUE, limit, lease_seconds, busy)


async def renew_lease(
    conn: asyncpg.Connection, delivery_id: UUID, lease: datetime, seconds: float
) -> asyncpg.Record | None:
    """Extend a claimed delivery's lease right before its attempt, returning the new `lease` and its channel's
    current `enabled`, `url`, `secret` and still valid `previous_secret`; None when the delivery is no longer
    ours."""
    return await conn.fetchrow(RENEW_LEASE, delivery_id, lease, seconds)


async def release_untried(conn: asyncpg.Connection, claims: list[tuple[UUID, datetime]], when: datetime | None) -> None:
    """Give back claimed deliveries (id, lease) that were not attempted (their channel paused or switched off
    meanwhile), due again at `when` (None: at once); one whose lease ran out is another's now, left alone."""
    await conn.execute(RELEASE_UNTRIED, [c[0] for c in claims], [c[1] for c in claims], when)


async def settle(
    conn: asyncpg.Connection, delivery_id: UUID, lease: datetime, state: str, status: int | None, error: str
) -> bool:
    """Finish a delivery (sent, dead or cancelled) while its lease is ours; False when it no longer was."""
    return await conn.fetchval(SETTLE, delivery_id, lease, state, status, error or None) is not None


async def reschedule(
    conn: asyncpg.Connection, delivery_id: UUID, lease: datetime, seconds: float, status: int | None, error: str
) -> bool:
    """Try again in `seconds`, if the lease is still ours; False when it no longer was."""
    return await conn.fetchval(RESCHEDULE, delivery_id, lease, seconds, status, error) is not None


async def count_backlog(conn: asyncpg.Connection) -> int:
    """Deliveries waiting to be sent."""
    return await conn.fetchval(COUNT_BACKLOG)


async def list_deliveries(
    conn: asyncpg.Connection, state: str | None, channel_id: str | None, limit: int, under_unit: str | None = None
) -> list[asyncpg.Record]:
    """Deliveries, newest first, optionally of one state and channel, of channels under a unit."""
    return await conn.fetch(LIST_DELIVERIES, state, channel_id, limit, under_unit)


async def retry_dead(
    conn: asyncpg.Connection, ids: list[UUID] | None, channel_id: str | None, under_unit: str | None = None
) -> list[UUID]:
    """Put dead-lettered deliveries (of channels under a unit) back to pending with a fresh round."""
    retried = [r["delivery_id"] for r in await conn.fetch(RETRY_DEAD, ids, channel_id, under_unit)]
    if retried:
        await conn.execute(NOTIFY_WORKERS)
    return retried
