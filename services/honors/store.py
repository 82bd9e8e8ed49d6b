"""Every SQL statement of services/honors: the honor roll, nominations, and the eligibility view (what
inspections and ratings say about subjects) with the lock that keeps the gate and revocations from racing."""

from datetime import date

import asyncpg

from neuguong.runtime import locks
from services.honors.eligibility import DisciplineFact, Findings, InspectionFact, RatingFact

HONOR_COLUMNS = (
    "honor_id",
    "subject_kind",
    "subject_id",
    "subject_name",
    "recording_unit_id",
    "level",
    "period",
    "period_start",
    "period_end",
    "deed",
    "evidence",
    "proposed_by",
    "approved_by",
    "consent_to_publish",
    "nomination_id",
    "unit_path",
    "recorded_by",
    "recorded_on",
)
INSERT_HONOR = f"""
INSERT INTO honors ({", ".join(HONOR_COLUMNS)})
VALUES ({", ".join(f"${i + 1}" for i in range(len(HONOR_COLUMNS)))})
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
# Latest-ending period first; of periods ending together (a December and its year), the longer first.
SELECT_SUBJECT_HONORS = """
SELECT * FROM honors WHERE subject_id = $1 ORDER BY period_end DESC, period_start, honor_id
"""
NOMINATION_COLUMNS = (
    "nomination_id",
    "subject_kind",
    "subject_id",
    "subject_name",
    "proposing_unit_id",
    "recording_unit_id",
    "level",
    "period",
    "deed",
    "evidence",
    "proposed_by",
    "consent_to_publish",
    "unit_path",
    "nominated_by",
)
INSERT_NOMINATION = f"""
INSERT INTO nominations ({", ".join(NOMINATION_COLUMNS)})
VALUES ({", ".join(f"${i + 1}" for i in range(len(NOMINATION_COLUMNS)))})
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
SELECT_NOMINATIONS_PAGE = """
SELECT * FROM nominations
WHERE (recording_unit_id = $1 OR proposing_unit_id = $1) AND nomination_id > $2
  AND ($3::text IS NULL OR status = $3)
ORDER BY nomination_id LIMIT $4
"""
# Every command that checks a subject's eligibility and every event that changes it takes this lock
# first: a finding applied concurrently with a recording either waits and then sees (and revokes) the
# new honor, or commits first and is seen by the gate. Without it, the two could miss each other.
LOCK_SUBJECT = f"SELECT pg_advisory_xact_lock({locks.HONOR_SUBJECT}, hashtext($1))"
UPSERT_OPENED = """
INSERT INTO known_inspections (inspection_id, target_kind, target_id, kind, period, opened_on)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (inspection_id) DO NOTHING
"""
# A conclusion that arrives without its opening (a lost or pruned event) still counts.
UPSERT_CONCLUDED = """
INSERT INTO known_inspections (inspection_id, target_kind, target_id, kind, period, opened_on, conclusion,
                               concluded_on)
VALUES ($1, $2, $3, $4, $5, $7, $6, $7)
ON CONFLICT (inspection_id) DO UPDATE SET conclusion = $6, concluded_on = $7
"""
INSERT_DISCIPLINE = """
INSERT INTO known_disciplines (discipline_id, target_kind, target_id, measure, decided_on) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (discipline_id) DO NOTHING
"""
UPSERT_RATING = """
INSERT INTO known_ratings (member_id, year, commitment_id, rating) VALUES ($1, $2, $3, $4)
ON CONFLICT (member_id, year) DO UPDATE SET commitment_id = $3, rating = $4
"""
SELECT_INSPECTIONS = "SELECT * FROM known_inspections WHERE target_id = $1 ORDER BY opened_on, inspection_id"
SELECT_DISCIPLINES = "SELECT * FROM known_disciplines WHERE target_id = $1 ORDER BY decided_on, discipline_id"
SELECT_RATINGS = "SELECT * FROM known_ratings WHERE member_id = $1 ORDER BY year"


async def insert_honor(conn: asyncpg.Connection, row: dict) -> bool:
    """Write an entry on the roll; False when the subject already has one for the level and period (rule 7)."""
    return (await conn.execute(INSERT_HONOR, *(row[c] for c in HONOR_COLUMNS))).endswith(" 1")


async def select_on_roll(
    conn: asyncpg.Connection, subject_kind: str, subject_id: str, level: str, period: str
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


async def revoke_honor(
    conn: asyncpg.Connection,
    honor_id: str,
    by: str,
    reason: str,
    inspection_id: str | None = None,
    discipline_id: str | None = None,
) -> asyncpg.Record | None:
    """Take an honor off the roll; None when it was already off."""
    return await conn.fetchrow(REVOKE, honor_id, by, reason, inspection_id, discipline_id)


async def select_subtree_page(
    conn: asyncpg.Connection,
    unit_id: str,
    after: str,
    limit: int,
    *,
    bounds: tuple[date, date] | None,
    level: str | None,
    revoked: bool,
) -> list[asyncpg.Record]:
    """A page of the honors of a unit's subtree, optionally within a period and at one level."""
    start, end = bounds or (None, None)
    return await conn.fetch(SELECT_SUBTREE_PAGE, unit_id, after, start, end, level, revoked, limit)


async def select_subject_honors(conn: asyncpg.Connection, subject_id: str) -> list[asyncpg.Record]:
    """Every honor of a subject, revoked ones included: latest-ending period first, then the longer."""
    return await conn.fetch(SELECT_SUBJECT_HONORS, subject_id)


async def insert_nomination(conn: asyncpg.Connection, row: dict) -> bool:
    """Store a nomination; False when the same subject, level and period is already pending."""
    return (await conn.execute(INSERT_NOMINATION, *(row[c] for c in NOMINATION_COLUMNS))).endswith(" 1")


async def select_pending(
    conn: asyncpg.Connection, subject_kind: str, subject_id: str, level: str, period: str
) -> asyncpg.Record | None:
    """The pending nomination with this natural key, if any."""
    return await conn.fetchrow(SELECT_PENDING, subject_kind, subject_id, level, period)


async def select_nomination(conn: asyncpg.Connection, nomination_id: str) -> asyncpg.Record | None:
    """A nomination by id."""
    return await conn.fetchrow(SELECT_NOMINATION, nomination_id)


async def lock_nomination(conn: asyncpg.Connection, nomination_id: str) -> asyncpg.Record | None:
    """A nomination, locked until the end of the transaction."""
    return await conn.fetchrow(LOCK_NOMINATION, nomination_id)


async def decide_nomination(
    conn: asyncpg.Connection, nomination_id: str, status: str, by: str, decision: str, honor_id: str | None
) -> asyncpg.Record:
    """Mark a pending nomination approved or rejected."""
    return await conn.fetchrow(DECIDE_NOMINATION, nomination_id, status, by, decision, honor_id)


async def select_nominations_page(
    conn: asyncpg.Connection, unit_id: str, status: str | None, after: str, limit: int
) -> list[asyncpg.Record]:
    """A page of the nominations a unit made or must decide."""
    return await conn.fetch(SELECT_NOMINATIONS_PAGE, unit_id, after, status, limit)


async def lock_subject(conn: asyncpg.Connection, subject_id: str) -> None:
    """Serialise gate checks and finding updates of one subject until the end of the transaction."""
    await conn.execute(LOCK_SUBJECT, subject_id)


async def upsert_opened(
    conn: asyncpg.Connection,
    inspection_id: str,
    target_kind: str,
    target_id: str,
    kind: str,
    period: str,
    opened_on: date,
) -> None:
    """Remember an opened inspection (a concluded one stays concluded)."""
    await conn.execute(UPSERT_OPENED, inspection_id, target_kind, target_id, kind, period, opened_on)


async def upsert_concluded(
    conn: asyncpg.Connection,
    inspection_id: str,
    target_kind: str,
    target_id: str,
    kind: str,
    period: str,
    conclusion: str,
    concluded_on: date,
) -> None:
    """Remember an inspection's conclusion."""
    await conn.execute(UPSERT_CONCLUDED, inspection_id, target_kind, target_id, kind, period, conclusion, concluded_on)


async def insert_discipline(
    conn: asyncpg.Connection, discipline_id: str, target_kind: str, target_id: str, measure: str, decided_on: date
) -> None:
    """Remember a discipline."""
    await conn.execute(INSERT_DISCIPLINE, discipline_id, target_kind, target_id, measure, decided_on)


async def upsert_rating(conn: asyncpg.Connection, member_id: str, year: int, commitment_id: str, rating: str) -> None:
    """Remember a member's rating of a year, replacing an earlier one."""
    await conn.execute(UPSERT_RATING, member_id, year, commitment_id, rating)


async def select_findings(conn: asyncpg.Connection, subject_id: str) -> Findings:
    """Everything the eligibility view knows against a subject: inspections, disciplines, ratings."""
    inspections = await conn.fetch(SELECT_INSPECTIONS, subject_id)
    disciplines = await conn.fetch(SELECT_DISCIPLINES, subject_id)
    ratings = await conn.fetch(SELECT_RATINGS, subject_id)
    return Findings(
        inspections=tuple(
            InspectionFact(
                r["inspection_id"], r["kind"], r["period"], r["opened_on"], r["conclusion"], r["concluded_on"]
            )
            for r in inspections
        ),
        disciplines=tuple(DisciplineFact(r["discipline_id"], r["measure"], r["decided_on"]) for r in disciplines),
        ratings=tuple(RatingFact(r["year"], r["rating"], r["commitment_id"]) for r in ratings),
    )
