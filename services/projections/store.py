"""Every SQL statement of services/projections."""

import asyncpg

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
SELECT_UNIT = "SELECT unit_id, name, level FROM directory_units WHERE unit_id = $1"
# Returns the previous row (if any) so a replaced rating or session can be taken out of the figures.
SWAP_RATING = """
WITH previous AS (SELECT * FROM rated_commitments WHERE commitment_id = $1 FOR UPDATE),
saved AS (
    INSERT INTO rated_commitments (commitment_id, rating, period, unit_path, is_leader) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (commitment_id) DO UPDATE SET rating = $2, period = $3, unit_path = $4, is_leader = $5
)
SELECT rating, period, unit_path, is_leader FROM previous
"""
SWAP_SESSION = """
WITH previous AS (SELECT * FROM held_sessions WHERE session_id = $1 FOR UPDATE),
saved AS (
    INSERT INTO held_sessions (session_id, kind, month, unit_path) VALUES ($1, $2, $3, $4)
    ON CONFLICT (session_id) DO UPDATE SET kind = $2, month = $3, unit_path = $4
)
SELECT kind, month, unit_path FROM previous
"""


async def add_to_figures(conn: asyncpg.Connection, unit_path: list[str], periods: list[str], figures: list[str],
                         delta: int = 1) -> None:
    """Add `delta` to each figure of every unit on the path (the subtree roll-up), in every period."""
    await conn.execute(ADD_TO_FIGURES, unit_path, periods, figures, delta)


async def swap_rating(conn: asyncpg.Connection, commitment_id: str, rating: str, period: str, unit_path: list[str],
                      is_leader: bool) -> asyncpg.Record | None:
    """Store a commitment's current rating; return the one it replaces."""
    return await conn.fetchrow(SWAP_RATING, commitment_id, rating, period, unit_path, is_leader)


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
