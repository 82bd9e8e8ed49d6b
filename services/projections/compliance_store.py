"""SQL of the compliance lists: who, under a unit, missed what (rules 2, 4 and 5)."""

import asyncpg

from neuguong.membership import EXEMPT_STATUSES, PROBATION_DAYS

# The live units under $1, the unit included.
SUBTREE = """
WITH RECURSIVE subtree AS (
    SELECT unit_id, level, name FROM directory_units WHERE unit_id = $1 AND NOT dissolved
    UNION ALL
    SELECT u.unit_id, u.level, u.name FROM directory_units u JOIN subtree s ON u.parent_id = s.unit_id
    WHERE NOT u.dissolved
)
"""
CELLS_WITHOUT_SESSION = SUBTREE + """
SELECT s.unit_id, s.name, s.level, count(*) OVER () AS total FROM subtree s
WHERE s.level = 'cell' AND NOT EXISTS (
    SELECT 1 FROM held_sessions h WHERE h.cell_id = s.unit_id AND h.month = ANY($2::text[]) AND h.kind = $3)
ORDER BY s.unit_id LIMIT $4 OFFSET $5
"""
UNITS_WITHOUT_HONORS = SUBTREE + """
SELECT s.unit_id, s.name, s.level, count(*) OVER () AS total FROM subtree s
WHERE s.level = ANY($2::text[]) AND NOT EXISTS (
    SELECT 1 FROM recorded_honors r WHERE r.recording_unit_id = s.unit_id AND r.period = $3 AND NOT r.revoked)
ORDER BY s.unit_id LIMIT $4 OFFSET $5
"""
# People sort the Vietnamese way: given name (the last word), then the full name, with ICU's vi collation.
MEMBERS_WITHOUT_COMMITMENT = SUBTREE + """
SELECT m.member_id, m.full_name, m.cell_id, count(*) OVER () AS total
FROM directory_members m JOIN subtree s ON s.unit_id = m.cell_id
WHERE NOT m.left_party
  AND NOT (m.status = ANY($3::text[]) OR m.admitted_on > make_date($2, 1, 1) - $4::int)
  AND NOT EXISTS (SELECT 1 FROM filed_commitments f WHERE f.member_id = m.member_id AND f.year = $2)
ORDER BY substring(m.full_name FROM '(\\S+)$') COLLATE "vi-x-icu", m.full_name COLLATE "vi-x-icu", m.member_id
LIMIT $5 OFFSET $6
"""


async def cells_without_session(conn: asyncpg.Connection, unit_id: str, months: list[str], kind: str,
                                limit: int, offset: int) -> list[asyncpg.Record]:
    """Cells under the unit with no session of `kind` in any of `months`."""
    return await conn.fetch(CELLS_WITHOUT_SESSION, unit_id, months, kind, limit, offset)


async def units_without_honors(conn: asyncpg.Connection, unit_id: str, levels: list[str], period: str,
                               limit: int, offset: int) -> list[asyncpg.Record]:
    """Units of `levels` under the unit that recorded no honor for `period`."""
    return await conn.fetch(UNITS_WITHOUT_HONORS, unit_id, levels, period, limit, offset)


async def members_without_commitment(conn: asyncpg.Connection, unit_id: str, year: int, limit: int,
                                     offset: int) -> list[asyncpg.Record]:
    """Members under the unit who owe a commitment for `year` and filed none."""
    return await conn.fetch(MEMBERS_WITHOUT_COMMITMENT, unit_id, year, list(EXEMPT_STATUSES), PROBATION_DAYS,
                            limit, offset)
