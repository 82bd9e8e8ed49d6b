"""SQL statements of the honor roll and nominations (the eligibility view's are in findings_store.py)."""

from datetime import date

import asyncpg

HONOR_COLUMNS = ("honor_id", "subject_kind", "subject_id", "subject_name", "recording_unit_id", "level", "period",
                 "period_start", "period_end", "deed", "evidence", "proposed_by", "approved_by",
                 "consent_to_publish", "nomination_id", "unit_path", "recorded_by", "recorded_on")
INSERT_HONOR = f"""
INSERT INTO honors ({', '.join(HONOR_COLUMNS)})
VALUES ({', '.join(f'${i + 1}' for i in range(len(HONOR_COLUMNS)))})
ON CONFLICT (subject_kind, subject_id, level, period) WHERE revoked_at IS NULL DO NOTHING
"""
SELECT_ON_ROLL = """
SELECT * FROM honors WHERE subject_kind = $1 AND subject_id = $2 AND level = $3 AND period = $4
  AND revoked_at IS NULL
"""
SELECT_HONOR = "SELECT * FROM honors WHERE honor_id = $1"
LOCK_HONOR = "SELECT * FROM honors WHERE honor_id = $1 FOR UPDATE"
SELECT_SUBJECT_ON_ROLL = "SELECT * FROM honors WHERE subject_id = $1 AND revoked_at IS NULL ORDER BY honor_id"
REVOKE = """
UPDATE honors SET revoked_at = now(), revoked_by = $2, revocation_reason = $3, revoking_inspection_id = $4,
    revoking_discipline_id = $5
WHERE honor_id = $1 AND revoked_at IS NULL RETURNING *
"""
# Keyset pages on the UUIDv7 ids (creation order); a period selects the honors whose period lies within it.
SELECT_SUBTREE_PAGE = """
SELECT * FROM honors
WHERE unit_path @> ARRAY[$1]::text[] AND honor_id > $2
  AND ($3::date IS NULL OR (period_start >= $3 AND period_end <= $4))
  AND ($5::text IS NULL OR level = $5) AND ($6 OR revoked_at IS NULL)
ORDER BY honor_id LIMIT $7
"""
SELECT_SUBJECT_HONORS = """
SELECT * FROM honors WHERE subject_id = $1 ORDER BY period_end DESC, period_start DESC, honor_id
"""
NOMINATION_COLUMNS = ("nomination_id", "subject_kind", "subject_id", "subject_name", "proposing_unit_id",
                      "recording_unit_id", "level", "period", "deed", "evidence", "proposed_by",
                      "consent_to_publish", "unit_path", "nominated_by")
INSERT_NOMINATION = f"""
INSERT INTO nominations ({', '.join(NOMINATION_COLUMNS)})
VALUES ({', '.join(f'${i + 1}' for i in range(len(NOMINATION_COLUMNS)))})
ON CONFLICT (subject_kind, subject_id, level, period) WHERE status = 'pending' DO NOTHING
"""
SELECT_PENDING = """
SELECT * FROM nominations WHERE subject_kind = $1 AND subject_id = $2 AND level = $3 AND period = $4
  AND status = 'pending'
"""
SELECT_NOMINATION = "SELECT * FROM nominations WHERE nomination_id = $1"
LOCK_NOMINATION = "SELECT * FROM nominations WHERE nomination_id = $1 FOR UPDATE"
DECIDE_NOMINATION = """
UPDATE nominations SET status = $2, decided_by = $3, decided_at = now(), decision = $4, honor_id = $5
WHERE nomination_id = $1 AND status = 'pending' RETURNING *
"""
SELECT_UNIT = "SELECT * FROM directory_units WHERE unit_id = $1"
SELECT_NOMINATIONS_PAGE = """
SELECT * FROM nominations
WHERE (recording_unit_id = $1 OR proposing_unit_id = $1) AND nomination_id > $2
  AND ($3::text IS NULL OR status = $3)
ORDER BY nomination_id LIMIT $4
"""


async def insert_honor(conn: asyncpg.Connection, row: dict) -> bool:
    """Write an entry on the roll; False when the subject already has one for the level and period (rule 7)."""
    return (await conn.execute(INSERT_HONOR, *(row[c] for c in HONOR_COLUMNS))).endswith(" 1")


async def select_on_roll(conn: asyncpg.Connection, subject_kind: str, subject_id: str, level: str, period: str
                         ) -> asyncpg.Record | None:
    """The entry on the roll with this natural key, if any."""
    return await conn.fetchrow(SELECT_ON_ROLL, subject_kind, subject_id, level, period)


async def select_honor(conn: asyncpg.Connection, honor_id: str) -> asyncpg.Record | None:
    """An honor by id (revoked or not)."""
    return await conn.fetchrow(SELECT_HONOR, honor_id)


async def lock_honor(conn: asyncpg.Connection, honor_id: str) -> asyncpg.Record | None:
    """An honor, locked until the end of the transaction."""
    return await conn.fetchrow(LOCK_HONOR, honor_id)


async def select_subject_on_roll(conn: asyncpg.Connection, subject_id: str) -> list[asyncpg.Record]:
    """The subject's honors that are still on the roll."""
    return await conn.fetch(SELECT_SUBJECT_ON_ROLL, subject_id)


async def revoke_honor(conn: asyncpg.Connection, honor_id: str, by: str, reason: str,
                       inspection_id: str | None = None, discipline_id: str | None = None) -> asyncpg.Record | None:
    """Take an honor off the roll; None when it was already off."""
    return await conn.fetchrow(REVOKE, honor_id, by, reason, inspection_id, discipline_id)


async def select_subtree_page(conn: asyncpg.Connection, unit_id: str, after: str, limit: int, *,
                              bounds: tuple[date, date] | None, level: str | None, revoked: bool
                              ) -> list[asyncpg.Record]:
    """A page of the honors of a unit's subtree, optionally within a period and at one level."""
    start, end = bounds or (None, None)
    return await conn.fetch(SELECT_SUBTREE_PAGE, unit_id, after, start, end, level, revoked, limit)


async def select_subject_honors(conn: asyncpg.Connection, subject_id: str) -> list[asyncpg.Record]:
    """Every honor of a subject, revoked ones included, latest-ending period first."""
    return await conn.fetch(SELECT_SUBJECT_HONORS, subject_id)


async def insert_nomination(conn: asyncpg.Connection, row: dict) -> bool:
    """Store a nomination; False when the same subject, level and period is already pending."""
    return (await conn.execute(INSERT_NOMINATION, *(row[c] for c in NOMINATION_COLUMNS))).endswith(" 1")


async def select_pending(conn: asyncpg.Connection, subject_kind: str, subject_id: str, level: str, period: str
                         ) -> asyncpg.Record | None:
    """The pending nomination with this natural key, if any."""
    return await conn.fetchrow(SELECT_PENDING, subject_kind, subject_id, level, period)


async def select_nomination(conn: asyncpg.Connection, nomination_id: str) -> asyncpg.Record | None:
    """A nomination by id."""
    return await conn.fetchrow(SELECT_NOMINATION, nomination_id)


async def lock_nomination(conn: asyncpg.Connection, nomination_id: str) -> asyncpg.Record | None:
    """A nomination, locked until the end of the transaction."""
    return await conn.fetchrow(LOCK_NOMINATION, nomination_id)


async def decide_nomination(conn: asyncpg.Connection, nomination_id: str, status: str, by: str, decision: str,
                            honor_id: str | None) -> asyncpg.Record:
    """Mark a pending nomination approved or rejected."""
    return await conn.fetchrow(DECIDE_NOMINATION, nomination_id, status, by, decision, honor_id)


async def select_nominations_page(conn: asyncpg.Connection, unit_id: str, status: str | None, after: str,
                                  limit: int) -> list[asyncpg.Record]:
    """A page of the nominations a unit made or must decide."""
    return await conn.fetch(SELECT_NOMINATIONS_PAGE, unit_id, after, status, limit)


async def select_unit(conn: asyncpg.Connection, unit_id: str) -> asyncpg.Record | None:
    """A unit of the local directory (name, level, parent)."""
    return await conn.fetchrow(SELECT_UNIT, unit_id)
