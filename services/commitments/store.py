"""Every SQL statement of services/commitments."""

import asyncpg

INSERT_COMMITMENT = """
INSERT INTO commitments (commitment_id, member_id, cell_id, year, content, filed_by)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (member_id, year) DO NOTHING
"""
SELECT_BY_MEMBER_YEAR = "SELECT * FROM commitments WHERE member_id = $1 AND year = $2"
SELECT_BY_MEMBER = "SELECT * FROM commitments WHERE member_id = $1 ORDER BY year DESC"


async def insert_commitment(
    conn: asyncpg.Connection, commitment_id: str, member_id: str, cell_id: str, year: int, content: dict, by: str
) -> bool:
    """Insert a commitment; False when the member already has one for that year."""
    status = await conn.execute(INSERT_COMMITMENT, commitment_id, member_id, cell_id, year, content, by)
    return status.endswith(" 1")


async def select_commitment(conn: asyncpg.Connection, member_id: str, year: int) -> asyncpg.Record | None:
    """The member's commitment for a year."""
    return await conn.fetchrow(SELECT_BY_MEMBER_YEAR, member_id, year)


async def select_member_commitments(conn: asyncpg.Connection, member_id: str) -> list[asyncpg.Record]:
    """All the member's commitments, newest year first."""
    return await conn.fetch(SELECT_BY_MEMBER, member_id)
