"""Every SQL statement about cell sessions."""

import asyncpg

INSERT_SESSION = """
INSERT INTO sessions (session_id, cell_id, month, kind, held_on, content, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
"""
SELECT_REGULAR = "SELECT * FROM sessions WHERE cell_id = $1 AND month = $2 AND kind = 'regular'"
SELECT_FOR_UPDATE = "SELECT * FROM sessions WHERE session_id = $1 FOR UPDATE"
UPDATE_SESSION = """
UPDATE sessions SET month = $2, kind = $3, held_on = $4, content = $5, revision = $6, updated_at = now()
WHERE session_id = $1
"""
SELECT_CELL_MEMBERS = "SELECT member_id FROM directory_members WHERE cell_id = $1 AND NOT left_party"
SELECT_OF_CELL_YEAR = "SELECT * FROM sessions WHERE cell_id = $1 AND month LIKE $2 || '-%' ORDER BY month, held_on"


async def insert_session(conn: asyncpg.Connection, session_id: str, cell_id: str, month: str, kind: str, held_on,
                         content: dict, by: str) -> bool:
    """Record a session; False when the cell already has a regular session that month."""
    status = await conn.execute(INSERT_SESSION, session_id, cell_id, month, kind, held_on, content, by)
    return status.endswith(" 1")


async def select_regular(conn: asyncpg.Connection, cell_id: str, month: str) -> asyncpg.Record | None:
    """The cell's regular session of a month."""
    return await conn.fetchrow(SELECT_REGULAR, cell_id, month)


async def lock_session(conn: asyncpg.Connection, session_id: str) -> asyncpg.Record | None:
    """A session, locked until the end of the transaction."""
    return await conn.fetchrow(SELECT_FOR_UPDATE, session_id)


async def update_session(conn: asyncpg.Connection, session_id: str, month: str, kind: str, held_on, content: dict,
                         revision: int) -> None:
    """Replace a session record with its amended version."""
    await conn.execute(UPDATE_SESSION, session_id, month, kind, held_on, content, revision)


async def select_cell_members(conn: asyncpg.Connection, cell_id: str) -> set[str]:
    """Ids of the cell's current members."""
    return {row["member_id"] for row in await conn.fetch(SELECT_CELL_MEMBERS, cell_id)}


async def select_sessions_of_year(conn: asyncpg.Connection, cell_id: str, year: int) -> list[asyncpg.Record]:
    """A cell's sessions of a year."""
    return await conn.fetch(SELECT_OF_CELL_YEAR, cell_id, str(year))
