"""Every SQL statement of services/inspections."""

from datetime import date

import asyncpg

INSERT_INSPECTION = """
INSERT INTO inspections (inspection_id, kind, target_kind, target_id, topic_title, period, period_start, period_end,
                         committee_unit_id, unit_path, opened_on, opened_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
"""
SELECT_INSPECTION = "SELECT * FROM inspections WHERE inspection_id = $1"
# FOR UPDATE: two conclusions of one inspection queue up, and the second sees the first.
LOCK_INSPECTION = "SELECT * FROM inspections WHERE inspection_id = $1 FOR UPDATE"
CONCLUDE = """
UPDATE inspections SET conclusion = $2, summary = $3, recommendations = $4, concluded_on = $5, concluded_by = $6
WHERE inspection_id = $1 AND conclusion IS NULL
"""
INSERT_DISCIPLINE = """
INSERT INTO disciplines (discipline_id, target_kind, target_id, measure, decided_on, reason, inspection_id,
                         decided_by_unit, note, unit_path, decided_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
"""
SELECT_DISCIPLINE = "SELECT * FROM disciplines WHERE discipline_id = $1"
# Keyset pages on the UUIDv7 ids (creation order); NULL filters match everything.
SELECT_INSPECTIONS = """
SELECT * FROM inspections
WHERE unit_path @> ARRAY[$1]::text[] AND inspection_id > $2
  AND ($3::text IS NULL OR target_id = $3)
  AND ($4::date IS NULL OR (period_start <= $5 AND period_end >= $4))
  AND ($6::text IS NULL OR kind = $6)
  AND ($7::text IS NULL OR ($7 = 'open') = (conclusion IS NULL))
ORDER BY inspection_id LIMIT $8
"""
SELECT_DISCIPLINES = """
SELECT * FROM disciplines
WHERE unit_path @> ARRAY[$1]::text[] AND discipline_id > $2
  AND ($3::text IS NULL OR target_id = $3)
  AND ($4::date IS NULL OR decided_on BETWEEN $4 AND $5)
ORDER BY discipline_id LIMIT $6
"""


async def insert_inspection(conn: asyncpg.Connection, row: dict) -> None:
    """Store a newly opened inspection."""
    await conn.execute(
        INSERT_INSPECTION,
        row["inspection_id"],
        row["kind"],
        row["target_kind"],
        row["target_id"],
        row["topic_title"],
        row["period"],
        row["period_start"],
        row["period_end"],
        row["committee_unit_id"],
        row["unit_path"],
        row["opened_on"],
        row["opened_by"],
    )


async def select_inspection(conn: asyncpg.Connection, inspection_id: str) -> asyncpg.Record | None:
    """An inspection by id."""
    return await conn.fetchrow(SELECT_INSPECTION, inspection_id)


async def lock_inspection(conn: asyncpg.Connection, inspection_id: str) -> asyncpg.Record | None:
    """An inspection, locked until the end of the transaction."""
    return await conn.fetchrow(LOCK_INSPECTION, inspection_id)


async def conclude_inspection(
    conn: asyncpg.Connection,
    inspection_id: str,
    conclusion: str,
    summary: str,
    recommendations: list[str],
    concluded_on: date,
    by: str,
) -> bool:
    """Record the conclusion; False when the inspection was already concluded."""
    status = await conn.execute(CONCLUDE, inspection_id, conclusion, summary, recommendations, concluded_on, by)
    return status.endswith(" 1")


async def insert_discipline(conn: asyncpg.Connection, row: dict) -> None:
    """Store a discipline."""
    await conn.execute(
        INSERT_DISCIPLINE,
        row["discipline_id"],
        row["target_kind"],
        row["target_id"],
        row["measure"],
        row["decided_on"],
        row["reason"],
        row["inspection_id"],
        row["decided_by_unit"],
        row["note"],
        row["unit_path"],
        row["decided_by"],
    )


async def select_discipline(conn: asyncpg.Connection, discipline_id: str) -> asyncpg.Record | None:
    """A discipline by id."""
    return await conn.fetchrow(SELECT_DISCIPLINE, discipline_id)


async def select_inspections(
    conn: asyncpg.Connection,
    unit_id: str,
    after: str,
    limit: int,
    *,
    target_id: str | None,
    bounds: tuple[date, date] | None,
    kind: str | None,
    status: str | None,
) -> list[asyncpg.Record]:
    """A page of a subtree's inspections, optionally of one target, overlapping a period, of a kind or status."""
    start, end = bounds or (None, None)
    return await conn.fetch(SELECT_INSPECTIONS, unit_id, after, target_id, start, end, kind, status, limit)


async def select_disciplines(
    conn: asyncpg.Connection,
    unit_id: str,
    after: str,
    limit: int,
    *,
    target_id: str | None,
    bounds: tuple[date, date] | None,
) -> list[asyncpg.Record]:
    """A page of a subtree's disciplines, optionally of one target or decided within a period."""
    start, end = bounds or (None, None)
    return await conn.fetch(SELECT_DISCIPLINES, unit_id, after, target_id, start, end, limit)
