"""Every SQL statement of services/projections."""

import asyncpg

# The read model's tables and the columns that carry its content (timestamps left out), for digests.
READ_MODEL = {
    "unit_figures": "unit_id, period, figure, value",
    "rated_commitments": "commitment_id, rating, period, unit_path, is_leader, is_head",
    "held_sessions": "session_id, kind, month, unit_path",
    "recorded_honors": "honor_id, subject_kind, subject_id, recording_unit_id, level, period, unit_path, revoked",
    "filed_commitments": "member_id, year",
    "directory_units": "unit_id, parent_id, level, name, cell_kind, commune, admin_codes, dissolved, merged_into",
    "directory_members": "member_id, full_name, cell_id, admitted_on, status, is_leader, is_head, left_party",
    "inbox": "event_id, event_type, topic, partition, \"offset\"",
}

ADD_TO_FIGURES = """
INSERT INTO unit_figures (unit_id, period, figure, value)
SELECT unit_id, period, figure, $4
FROM unnest($1::text[]) AS unit_id CROSS JOIN unnest($2::text[]) AS period CROSS JOIN unnest($3::text[]) AS figure
ON CONFLICT (unit_id, period, figure) DO UPDATE SET value = unit_figures.value + $4
"""
SELECT_FIGURES = "SELECT figure, value FROM unit_figures WHERE unit_id = $1 AND period = $2"
SELECT_CHILDREN_FIGURES = """
SELECT u.unit_id, u.name, u.level, f.figure, f.value
FROM directory_units u LEFT JOIN unit_figures f ON f.unit_id = u.unit_id AND f.period = $2
WHERE u.parent_id = $1 ORDER BY u.unit_id
"""
SELECT_UNIT = "SELECT unit_id, name, level, dissolved, merged_into FROM directory_units WHERE unit_id = $1"
# A unit and every unit merged into it, directly or through earlier merges (the current structure).
SELECT_MERGED_INTO = """
WITH RECURSIVE merged AS (
    SELECT unit_id FROM directory_units WHERE unit_id = $1
    UNION
    SELECT u.unit_id FROM directory_units u JOIN merged m ON u.merged_into = m.unit_id
)
SELECT array_agg(unit_id) FROM merged
"""
SELECT_SUM_FIGURES = """
SELECT figure, sum(value)::bigint AS value FROM unit_figures WHERE unit_id = ANY($1::text[]) AND period = $2
GROUP BY figure
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
SELECT unit_id, figure, value FROM unit_figures WHERE unit_id = ANY($1::text[]) AND period = $2
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
    INSERT INTO held_sessions (session_id, kind, month, unit_path) VALUES ($1, $2, $3, $4)
    ON CONFLICT (session_id) DO UPDATE SET kind = $2, month = $3, unit_path = $4
)
SELECT kind, month, unit_path FROM previous
"""

INSERT_FILING = "INSERT INTO filed_commitments (member_id, year) VALUES ($1, $2) ON CONFLICT DO NOTHING"
INSERT_HONOR = """
INSERT INTO recorded_honors (honor_id, subject_kind, subject_id, recording_unit_id, level, period, unit_path)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
"""
REVOKE_HONOR = """
UPDATE recorded_honors SET revoked = true WHERE honor_id = $1 AND NOT revoked RETURNING level, period, unit_path
"""
# A revocation ahead of its honor (the HonorRecorded was dead-lettered, then replayed behind it): the
# honor is noted as revoked, so its late arrival counts nothing.
INSERT_REVOKED_HONOR = """
INSERT INTO recorded_honors (honor_id, subject_kind, subject_id, recording_unit_id, level, period, unit_path, revoked)
VALUES ($1, $2, $3, $4, $5, $6, $7, true) ON CONFLICT DO NOTHING
"""


async def remember_filing(conn: asyncpg.Connection, member_id: str, year: int) -> None:
    """Note that a member filed for a year (for the members-without-commitment list)."""
    await conn.execute(INSERT_FILING, member_id, year)


async def remember_honor(conn: asyncpg.Connection, event, unit_path: list[str]) -> bool:  # noqa: ANN001
    """Note an honor on the roll; False when it was noted before."""
    status = await conn.execute(INSERT_HONOR, event.honor_id, event.subject.kind, event.subject.id,
                                event.recording_unit_id, event.level, event.period, unit_path)
    return status.endswith(" 1")


async def remember_revoked_honor(conn: asyncpg.Connection, event, unit_path: list[str]) -> bool:  # noqa: ANN001
    """Note an honor revoked before it was seen; False when it was seen after all."""
    status = await conn.execute(INSERT_REVOKED_HONOR, event.honor_id, event.subject.kind, event.subject.id,
                                event.recording_unit_id, event.level, event.period, unit_path)
    return status.endswith(" 1")


async def revoke_honor(conn: asyncpg.Connection, honor_id: str) -> asyncpg.Record | None:
    """Mark an honor revoked; its level, period and path, or None when unknown or revoked before."""
    return await conn.fetchrow(REVOKE_HONOR, honor_id)


async def add_to_figures(conn: asyncpg.Connection, unit_path: list[str], periods: list[str], figures: list[str],
                         delta: int = 1) -> None:
    """Add `delta` to each figure of every unit on the path (the subtree roll-up), in every period."""
    await conn.execute(ADD_TO_FIGURES, unit_path, periods, figures, delta)


async def swap_rating(conn: asyncpg.Connection, commitment_id: str, rating: str, period: str, unit_path: list[str],
                      is_leader: bool, is_head: bool) -> asyncpg.Record | None:
    """Store a commitment's current rating; return the one it replaces."""
    return await conn.fetchrow(SWAP_RATING, commitment_id, rating, period, unit_path, is_leader, is_head)


async def swap_session(conn: asyncpg.Connection, session_id: str, kind: str, month: str,
                       unit_path: list[str]) -> asyncpg.Record | None:
    """Store a session's current kind and month; return what it replaces."""
    return await conn.fetchrow(SWAP_SESSION, session_id, kind, month, unit_path)


async def select_figures(conn: asyncpg.Connection, unit_id: str, period: str) -> dict[str, int]:
    """A unit's figures for a period."""
    return {row["figure"]: row["value"] for row in await conn.fetch(SELECT_FIGURES, unit_id, period)}


async def select_children_figures(conn: asyncpg.Connection, unit_id: str, period: str) -> list[asyncpg.Record]:
    """Figures of each child unit, one row per (child, figure)."""
    return await conn.fetch(SELECT_CHILDREN_FIGURES, unit_id, period)


async def select_unit(conn: asyncpg.Connection, unit_id: str) -> asyncpg.Record | None:
    """A unit of the local directory."""
    return await conn.fetchrow(SELECT_UNIT, unit_id)


async def select_merged_units(conn: asyncpg.Connection, unit_id: str) -> list[str]:
    """The unit and every unit merged into it (a reorganisation's current structure)."""
    return list(await conn.fetchval(SELECT_MERGED_INTO, unit_id) or [unit_id])


async def select_summed_figures(conn: asyncpg.Connection, unit_ids: list[str], period: str) -> dict[str, int]:
    """Figures of several units added together."""
    return {row["figure"]: row["value"] for row in await conn.fetch(SELECT_SUM_FIGURES, unit_ids, period)}


async def select_subtree_units(conn: asyncpg.Connection, unit_id: str) -> list[asyncpg.Record]:
    """The unit and every unit under it, top down."""
    return await conn.fetch(SELECT_SUBTREE_UNITS, unit_id)


async def select_figures_of_units(conn: asyncpg.Connection, unit_ids: list[str], period: str
                                  ) -> dict[str, dict[str, int]]:
    """Figures of many units, by unit id."""
    result: dict[str, dict[str, int]] = {}
    for row in await conn.fetch(SELECT_FIGURES_OF_UNITS, unit_ids, period):
        result.setdefault(row["unit_id"], {})[row["figure"]] = row["value"]
    return result
