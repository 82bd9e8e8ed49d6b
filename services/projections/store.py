"""Every SQL statement of services/projections: the read model the handlers write, the figures and the
compliance lists (who, under a unit, missed what: rules 2, 4 and 5) the routes read."""

import asyncpg

from neuguong.membership import EXEMPT_STATUSES, PROBATION_DAYS
from neuguong.periods import period_bounds
from services.projections.fold import PENDING

# The read model's tables and the columns that carry its content (timestamps left out), for digests.
READ_MODEL = {
    "unit_figures": "unit_id, period, figure, value",
    "rated_commitments": "commitment_id, rating, period, unit_path, is_leader, is_head",
    "held_sessions": "session_id, kind, month, unit_path, present, absent, topic_id",
    "issued_topics": "topic_id, year, title, issuing_unit_id, unit_path",
    "recorded_honors": "honor_id, subject_kind, subject_id, recording_unit_id, level, period, unit_path, revoked, "
    "revoked_reason, revoked_cause, first_day, last_day",
    "member_acts": "act, member_id, period, first_day, last_day, unit_path, is_leader, is_head",
    "checked_targets": "inspection_id, kind, target_kind, target_id, committee_unit_id, opened_on, "
    "unit_path, conclusion, concluded_on",
    "imposed_disciplines": "discipline_id, target_kind, target_id, measure, decided_on, inspection_id, unit_path",
    "publicity_deliveries": "delivery_id, kind, honor_id, channel_id, channel_kind, level, period, first_day, last_day",
    "directory_units": "unit_id, parent_id, level, name, cell_kind, commune, admin_codes, dissolved, merged_into, kind",
    "directory_members": "member_id, full_name, cell_id, admitted_on, status, is_leader, is_head, left_party, left_on",
    "inbox": 'event_id, event_type, topic, partition, "offset"',
}

ADD_TO_FIGURES = """
INSERT INTO unit_figures (unit_id, period, figure, value)
SELECT unit_id, period, figure, $4
FROM unnest($1::text[]) AS unit_id CROSS JOIN unnest($2::text[]) AS period CROSS JOIN unnest($3::text[]) AS figure
ON CONFLICT (unit_id, period, figure) DO UPDATE SET value = unit_figures.value + $4
"""
SELECT_FIGURES = "SELECT figure, value FROM unit_figures WHERE unit_id = $1 AND period = $2"
SELECT_CHILDREN = "SELECT unit_id, name, level FROM directory_units WHERE parent_id = $1 ORDER BY unit_id"
# A unit and every unit merged into it, directly or through earlier merges (the current structure).
SELECT_MERGED_INTO = """
WITH RECURSIVE merged AS (
    SELECT unit_id FROM directory_units WHERE unit_id = $1
    UNION
    SELECT u.unit_id FROM directory_units u JOIN merged m ON u.merged_into = m.unit_id
)
SELECT array_agg(unit_id) FROM merged
"""
SELECT_SUBTREE_UNITS = """
WITH RECURSIVE subtree AS (
    SELECT unit_id, name, level, 0 AS depth FROM directory_units WHERE unit_id = $1
    UNION ALL
    SELECT u.unit_id, u.name, u.level, s.depth + 1 FROM directory_units u JOIN subtree s ON u.parent_id = s.unit_id
)
SELECT unit_id, name, level FROM subtree ORDER BY depth, unit_id
"""
SELECT_FIGURES_OF_UNITS = """
SELECT unit_id, figure, sum(value)::bigint AS value FROM unit_figures
WHERE unit_id = ANY($1::text[]) AND period = ANY($2::text[]) GROUP BY unit_id, figure
"""
# Returns the previous row (if any) so a replaced rating or session can be taken out of the figures.
SWAP_RATING = """
WITH previous AS (SELECT * FROM rated_commitments WHERE commitment_id = $1 FOR UPDATE),
saved AS (
    INSERT INTO rated_commitments (commitment_id, rating, period, unit_path, is_leader, is_head)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (commitment_id) DO UPDATE SET rating = $2, period = $3, unit_path = $4, is_leader = $5, is_head = $6
)
SELECT rating, period, unit_path, is_leader, is_head FROM previous
"""
SWAP_SESSION = """
WITH previous AS (SELECT * FROM held_sessions WHERE session_id = $1 FOR UPDATE),
saved AS (
    INSERT INTO held_sessions (session_id, kind, month, unit_path, present, absent, topic_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (session_id) DO UPDATE SET kind = $2, month = $3, unit_path = $4, present = $5, absent = $6,
                                           topic_id = $7
)
SELECT kind, month, unit_path FROM previous
"""

INSERT_HONOR = """
INSERT INTO recorded_honors (honor_id, subject_kind, subject_id, recording_unit_id, level, period, unit_path,
                             first_day, last_day)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING
"""
REVOKE_HONOR = """
UPDATE recorded_honors SET revoked = true, revoked_reason = $2, revoked_cause = $3 WHERE honor_id = $1 AND NOT revoked
RETURNING level, period, unit_path, subject_kind
"""
# A revocation ahead of its honor (the HonorRecorded was dead-lettered, then replayed behind it): the
# honor is noted as revoked, so its late arrival counts nothing.
INSERT_REVOKED_HONOR = """
INSERT INTO recorded_honors (honor_id, subject_kind, subject_id, recording_unit_id, level, period, unit_path,
                             first_day, last_day, revoked, revoked_reason, revoked_cause)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, $10, $11) ON CONFLICT DO NOTHING
"""
# The live units under $1, the unit included.
SUBTREE = """
WITH RECURSIVE subtree AS (
    SELECT unit_id, level, name FROM directory_units WHERE unit_id = $1 AND NOT dissolved
    UNION ALL
    SELECT u.unit_id, u.level, u.name FROM directory_units u JOIN subtree s ON u.parent_id = s.unit_id
    WHERE NOT u.dissolved
)
"""
CELLS_WITHOUT_SESSION = (
    SUBTREE
    + """
SELECT s.unit_id, s.name, s.level, count(*) OVER () AS total FROM subtree s
WHERE s.level = 'cell' AND NOT EXISTS (
    SELECT 1 FROM held_sessions h WHERE h.cell_id = s.unit_id AND h.month = ANY($2::text[]) AND h.kind = $3)
ORDER BY s.unit_id LIMIT $4 OFFSET $5
"""
)
UNITS_WITHOUT_HONORS = (
    SUBTREE
    + """
SELECT s.unit_id, s.name, s.level, count(*) OVER () AS total FROM subtree s
WHERE s.level = ANY($2::text[]) AND NOT EXISTS (
    SELECT 1 FROM recorded_honors r WHERE r.recording_unit_id = s.unit_id AND r.period = $3 AND NOT r.revoked)
ORDER BY s.unit_id LIMIT $4 OFFSET $5
"""
)
# People sort the Vietnamese way: given name (the last word), then the full name, with ICU's vi collation.
MEMBERS_WITHOUT_COMMITMENT = (
    SUBTREE
    + """
SELECT m.member_id, m.full_name, m.cell_id, count(*) OVER () AS total
FROM directory_members m JOIN subtree s ON s.unit_id = m.cell_id
WHERE NOT m.left_party
  AND NOT (m.status = ANY($3::text[]) OR m.admitted_on > make_date($2, 1, 1) - $4::int)
  AND NOT EXISTS (SELECT 1 FROM member_acts f WHERE f.act = 'filed' AND f.member_id = m.member_id
                  AND f.period = $2::int::text)
ORDER BY substring(m.full_name FROM '(\\S+)$') COLLATE "vi-x-icu", m.full_name COLLATE "vi-x-icu", m.member_id
LIMIT $5 OFFSET $6
"""
)


async def remember_honor(conn: asyncpg.Connection, event, unit_path: list[str]) -> bool:
    """Note an honor on the roll; False when it was noted before."""
    status = await conn.execute(
        INSERT_HONOR,
        event.honor_id,
        event.subject.kind,
        event.subject.id,
        event.recording_unit_id,
        event.level,
        event.period,
        unit_path,
        *period_bounds(event.period),
    )
    return status.endswith(" 1")


async def remember_revoked_honor(conn: asyncpg.Connection, event, unit_path: list[str], cause: str) -> bool:
    """Note an honor revoked before it was seen; False when it was seen after all."""
    status = await conn.execute(
        INSERT_REVOKED_HONOR,
        event.honor_id,
        event.subject.kind,
        event.subject.id,
        event.recording_unit_id,
        event.level,
        event.period,
        unit_path,
        *period_bounds(event.period),
        event.reason,
        cause,
    )
    return status.endswith(" 1")


async def revoke_honor(conn: asyncpg.Connection, honor_id: str, reason: str, cause: str) -> asyncpg.Record | None:
    """Mark an honor revoked, and why; its level, period, path and subject kind, or None when unknown or
    revoked before."""
    return await conn.fetchrow(REVOKE_HONOR, honor_id, reason, cause)


async def add_to_figures(
    conn: asyncpg.Connection, unit_path: list[str], periods: list[str], figures: list[str], delta: int = 1
) -> None:
    """Add `delta` to each figure of every unit on the path (the subtree roll-up), in every period."""
    if (pending := PENDING.get()) is not None:
        pending.add_to_figures(unit_path, periods, figures, delta)
        return
    await conn.execute(ADD_TO_FIGURES, unit_path, periods, figures, delta)


async def swap_rating(
    conn: asyncpg.Connection,
    commitment_id: str,
    rating: str,
    period: str,
    unit_path: list[str],
    is_leader: bool,
    is_head: bool,
) -> asyncpg.Record | None:
    """Store a commitment's current rating; return the one it replaces."""
    return await conn.fetchrow(SWAP_RATING, commitment_id, rating, period, unit_path, is_leader, is_head)


async def swap_session(conn: asyncpg.Connection, event, unit_path: list[str]) -> asyncpg.Record | None:
    """Store a session's current kind, month, attendance and topic; return what it replaces."""
    return await conn.fetchrow(
        SWAP_SESSION,
        event.session_id,
        event.kind,
        event.month,
        unit_path,
        len(event.present),
        len(event.absent),
        event.topic_id,
    )


async def select_figures(conn: asyncpg.Connection, unit_id: str, period: str) -> dict[str, int]:
    """A unit's figures for a period."""
    return {row["figure"]: row["value"] for row in await conn.fetch(SELECT_FIGURES, unit_id, period)}


async def select_children(conn: asyncpg.Connection, unit_id: str) -> list[asyncpg.Record]:
    """The units right under a unit."""
    return await conn.fetch(SELECT_CHILDREN, unit_id)


async def select_merged_units(conn: asyncpg.Connection, unit_id: str) -> list[str]:
    """The unit and every unit merged into it (a reorganisation's current structure)."""
    return list(await conn.fetchval(SELECT_MERGED_INTO, unit_id) or [unit_id])


async def select_subtree_units(conn: asyncpg.Connection, unit_id: str) -> list[asyncpg.Record]:
    """The unit and every unit under it, top down."""
    return await conn.fetch(SELECT_SUBTREE_UNITS, unit_id)


async def select_figures_of_units(
    conn: asyncpg.Connection, unit_ids: list[str], periods: list[str]
) -> dict[str, dict[str, int]]:
    """Figures of many units over several periods added together, by unit id."""
    result: dict[str, dict[str, int]] = {}
    for row in await conn.fetch(SELECT_FIGURES_OF_UNITS, unit_ids, periods):
        result.setdefault(row["unit_id"], {})[row["figure"]] = row["value"]
    return result


async def cells_without_session(
    conn: asyncpg.Connection, unit_id: str, months: list[str], kind: str, limit: int, offset: int
) -> list[asyncpg.Record]:
    """Cells under the unit with no session of `kind` in any of `months`."""
    return await conn.fetch(CELLS_WITHOUT_SESSION, unit_id, months, kind, limit, offset)


async def units_without_honors(
    conn: asyncpg.Connection, unit_id: str, levels: list[str], period: str, limit: int, offset: int
) -> list[asyncpg.Record]:
    """Units of `levels` under the unit that recorded no honor for `period`."""
    return await conn.fetch(UNITS_WITHOUT_HONORS, unit_id, levels, period, limit, offset)


async def members_without_commitment(
    conn: asyncpg.Connection, unit_id: str, year: int, limit: int, offset: int
) -> list[asyncpg.Record]:
    """Members under the unit who owe a commitment for `year` and filed none."""
    return await conn.fetch(
        MEMBERS_WITHOUT_COMMITMENT, unit_id, year, list(EXEMPT_STATUSES), PROBATION_DAYS, limit, offset
    )
