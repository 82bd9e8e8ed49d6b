"""SQL statements of the eligibility view (what inspections and ratings say about subjects) and the locks
that keep the gate and the revocations from racing."""

from datetime import date

import asyncpg

from neuguong.runtime import locks

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


async def lock_subject(conn: asyncpg.Connection, subject_id: str) -> None:
    """Serialise gate checks and finding updates of one subject until the end of the transaction."""
    await conn.execute(LOCK_SUBJECT, subject_id)


async def upsert_opened(conn: asyncpg.Connection, inspection_id: str, target_kind: str, target_id: str, kind: str,
                        period: str, opened_on: date) -> None:
    """Remember an opened inspection (a concluded one stays concluded)."""
    await conn.execute(UPSERT_OPENED, inspection_id, target_kind, target_id, kind, period, opened_on)


async def upsert_concluded(conn: asyncpg.Connection, inspection_id: str, target_kind: str, target_id: str,
                           kind: str, period: str, conclusion: str, concluded_on: date) -> None:
    """Remember an inspection's conclusion."""
    await conn.execute(UPSERT_CONCLUDED, inspection_id, target_kind, target_id, kind, period, conclusion,
                       concluded_on)


async def insert_discipline(conn: asyncpg.Connection, discipline_id: str, target_kind: str, target_id: str,
                            measure: str, decided_on: date) -> None:
    """Remember a discipline."""
    await conn.execute(INSERT_DISCIPLINE, discipline_id, target_kind, target_id, measure, decided_on)


async def upsert_rating(conn: asyncpg.Connection, member_id: str, year: int, commitment_id: str, rating: str) -> None:
    """Remember a member's rating of a year, replacing an earlier one."""
    await conn.execute(UPSERT_RATING, member_id, year, commitment_id, rating)


async def select_findings(conn: asyncpg.Connection, subject_id: str) -> dict[str, list[asyncpg.Record]]:
    """Inspections, disciplines and ratings of a subject."""
    return {"inspections": await conn.fetch(SELECT_INSPECTIONS, subject_id),
            "disciplines": await conn.fetch(SELECT_DISCIPLINES, subject_id),
            "ratings": await conn.fetch(SELECT_RATINGS, subject_id)}

