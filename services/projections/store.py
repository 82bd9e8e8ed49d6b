"""Every SQL statement of services/projections."""

import asyncpg

ADD_TO_FIGURES = """
INSERT INTO unit_figures (unit_id, period, figure, value)
SELECT unit_id, $2, figure, 1 FROM unnest($1::text[]) AS unit_id CROSS JOIN unnest($3::text[]) AS figure
ON CONFLICT (unit_id, period, figure) DO UPDATE SET value = unit_figures.value + 1
"""
SELECT_FIGURES = "SELECT figure, value FROM unit_figures WHERE unit_id = $1 AND period = $2"
SELECT_CHILDREN_FIGURES = """
SELECT u.unit_id, u.name, u.level, f.figure, f.value
FROM directory_units u LEFT JOIN unit_figures f ON f.unit_id = u.unit_id AND f.period = $2
WHERE u.parent_id = $1 ORDER BY u.unit_id
"""
SELECT_UNIT = "SELECT unit_id, name, level FROM directory_units WHERE unit_id = $1"


async def add_to_figures(conn: asyncpg.Connection, unit_path: list[str], period: str, figures: list[str]) -> None:
    """Add one to each figure of every unit on the path (the subtree roll-up)."""
    await conn.execute(ADD_TO_FIGURES, unit_path, period, figures)


async def select_figures(conn: asyncpg.Connection, unit_id: str, period: str) -> dict[str, int]:
    """A unit's figures for a period."""
    return {row["figure"]: row["value"] for row in await conn.fetch(SELECT_FIGURES, unit_id, period)}


async def select_children_figures(conn: asyncpg.Connection, unit_id: str, period: str) -> list[asyncpg.Record]:
    """Figures of each child unit, one row per (child, figure)."""
    return await conn.fetch(SELECT_CHILDREN_FIGURES, unit_id, period)


async def select_unit(conn: asyncpg.Connection, unit_id: str) -> asyncpg.Record | None:
    """A unit of the local directory."""
    return await conn.fetchrow(SELECT_UNIT, unit_id)
