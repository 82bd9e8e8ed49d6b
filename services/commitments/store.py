"""Every SQL statement of services/commitments: commitments and their lifecycle, cell sessions."""

from datetime import date

import asyncpg

# Commitments, their first versions and the rows as filed, in one statement (a group of filings, an import's
# rows); no row for a member who already has a commitment that year (a version is written only for a commitment
# that was). A unit path travels joined by U+001F (an identifier never holds it): arrays of arrays must be
# rectangular, and paths differ in depth.
PATH_SEPARATOR = "\x1f"
INSERT_COMMITMENTS = """
WITH filed AS (
    INSERT INTO commitments (commitment_id, member_id, cell_id, year, content, filed_by, is_leader, is_head, unit_path)
    SELECT c.commitment_id, c.member_id, c.cell_id, c.year, c.content, c.filed_by, c.is_leader, c.is_head,
           string_to_array(c.path, E'\\x1f')
    FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::jsonb[], $6::text[], $7::bool[], $8::bool[],
                $9::text[]) AS c(commitment_id, member_id, cell_id, year, content, filed_by, is_leader, is_head, path)
    ON CONFLICT (member_id, year) DO NOTHING
    RETURNING *
),
first_version AS (
    INSERT INTO commitment_versions (commitment_id, version, content, reason, changed_by)
    SELECT commitment_id, 1, content, NULL, filed_by FROM filed
)
SELECT * FROM filed
"""
SELECT_BY_MEMBERS_YEARS = """
SELECT c.* FROM commitments c JOIN unnest($1::text[], $2::int[]) AS k(member_id, year) USING (member_id, year)
"""
INSERT_VERSION = """
INSERT INTO commitment_versions (commitment_id, version, content, reason, changed_by) VALUES ($1, $2, $3, $4, $5)
"""
# FOR UPDATE: commands on one commitment queue up, so versions and checks never race.
LOCK_COMMITMENT = "SELECT * FROM commitments WHERE commitment_id = $1 FOR UPDATE"
# Several, locked in one order (LockRows above the sort), so that two groups sharing some wait, never deadlock.
LOCK_COMMITMENTS = "SELECT * FROM commitments WHERE commitment_id = ANY($1::text[]) ORDER BY commitment_id FOR UPDATE"
SELECT_BY_ID = "SELECT * FROM commitments WHERE commitment_id = $1"
UPDATE_CONTENT = "UPDATE commitments SET content = $2, version = $3, updated_at = now() WHERE commitment_id = $1"
SELECT_BY_MEMBER = "SELECT * FROM commitments WHERE member_id = $1 ORDER BY year DESC"
SELECT_VERSIONS = "SELECT * FROM commitment_versions WHERE commitment_id = ANY($1) ORDER BY version"
SELECT_REFLECTIONS = "SELECT * FROM self_reflections WHERE commitment_id = ANY($1) ORDER BY month"
SELECT_REPORTS = "SELECT * FROM commitment_reports WHERE commitment_id = ANY($1)"
SELECT_RATINGS = "SELECT * FROM commitment_ratings WHERE commitment_id = ANY($1)"
# Many months' self-reflections in one statement (a group of them); the (commitment, month) of each written.
INSERT_REFLECTIONS = """
INSERT INTO self_reflections (commitment_id, month, content, recorded_by)
SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[])
ON CONFLICT DO NOTHING RETURNING commitment_id, month
"""
SELECT_REFLECTIONS_OF = """
SELECT r.* FROM self_reflections r
JOIN unnest($1::text[], $2::text[]) AS k(commitment_id, month) USING (commitment_id, month)
"""
INSERT_REPORT = """
INSERT INTO commitment_reports (commitment_id, content, on_time_percent, all_limitations_remedied, self_rating,
                                reported_by)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
"""
SELECT_REPORT = "SELECT * FROM commitment_reports WHERE commitment_id = $1"
UPSERT_RATING = """
INSERT INTO commitment_ratings (commitment_id, rating, rated_by, rated_by_unit, reason, forced_by_discipline)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (commitment_id) DO UPDATE SET rating = $2, rated_by = $3, rated_by_unit = $4, reason = $5,
    forced_by_discipline = $6, rated_at = now()
"""
SELECT_SUBTREE_PAGE = """
SELECT c.*, r.rating FROM commitments c LEFT JOIN commitment_ratings r USING (commitment_id)
WHERE c.unit_path @> ARRAY[$1]::text[] AND c.year = $2 AND c.commitment_id > $3
ORDER BY c.commitment_id LIMIT $4
"""
COUNT_SUBTREE = "SELECT count(*) FROM commitments WHERE unit_path @> ARRAY[$1]::text[] AND year = $2"
UPSERT_DISCIPLINE = """
INSERT INTO disciplines (discipline_id, member_id, measure, decided_on) VALUES ($1, $2, $3, $4)
ON CONFLICT (discipline_id) DO NOTHING
"""
SELECT_DISCIPLINES = "SELECT * FROM disciplines WHERE member_id = $1 ORDER BY decided_on"
# The commitment row is locked first, rated or not: a rating command holds the same lock, so a
# discipline and a rating of one commitment never pass each other unseen (rule 3).
LOCK_OF_MEMBER_YEAR = "SELECT commitment_id FROM commitments WHERE member_id = $1 AND year = $2 FOR UPDATE"
SELECT_WITH_RATING = """
SELECT c.*, r.rating FROM commitments c LEFT JOIN commitment_ratings r USING (commitment_id)
WHERE c.commitment_id = $1
"""

INSERT_TOPIC = """
INSERT INTO thematic_topics (topic_id, year, title, issuing_unit_id, unit_path, issued_by)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
"""
SELECT_TOPIC = "SELECT topic_id, year, title, issuing_unit_id, unit_path FROM thematic_topics WHERE topic_id = $1"
INSERT_SESSION = """
INSERT INTO sessions (session_id, cell_id, month, kind, held_on, content, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
"""
SELECT_REGULAR_SESSION = "SELECT * FROM sessions WHERE cell_id = $1 AND month = $2 AND kind = 'regular'"
LOCK_SESSION = "SELECT * FROM sessions WHERE session_id = $1 FOR UPDATE"
UPDATE_SESSION = """
UPDATE sessions SET month = $2, kind = $3, held_on = $4, content = $5, revision = $6, updated_at = now()
WHERE session_id = $1
"""
SELECT_CELL_MEMBERS = "SELECT member_id FROM directory_members WHERE cell_id = $1 AND NOT left_party"
SELECT_SESSIONS_OF_CELL_YEAR = (
    "SELECT * FROM sessions WHERE cell_id = $1 AND month LIKE $2 || '-%' ORDER BY month, held_on"
)


async def insert_commitments(conn: asyncpg.Connection, rows: list[dict]) -> dict[tuple[str, int], asyncpg.Record]:
    """Insert commitments (one per member and year: commitment_id, member_id, cell_id, year, content, filed_by,
    is_leader, is_head, unit_path) and their first versions in one statement; each commitment inserted, as
    filed, by (member, year). A member's commitment of that year filed before is left as it was, and absent from
    the answer."""
    if not rows:
        return {}
    columns = ("commitment_id", "member_id", "cell_id", "year", "content", "filed_by", "is_leader", "is_head")
    filed = await conn.fetch(
        INSERT_COMMITMENTS,
        *([row[c] for row in rows] for c in columns),
        [PATH_SEPARATOR.join(row["unit_path"]) for row in rows],
    )
    return {(r["member_id"], r["year"]): r for r in filed}


async def select_commitments(
    conn: asyncpg.Connection, keys: list[tuple[str, int]]
) -> dict[tuple[str, int], asyncpg.Record]:
    """The commitments filed for these (member, year), by (member, year)."""
    if not keys:
        return {}
    rows = await conn.fetch(SELECT_BY_MEMBERS_YEARS, [m for m, _ in keys], [y for _, y in keys])
    return {(r["member_id"], r["year"]): r for r in rows}


async def lock_commitment(conn: asyncpg.Connection, commitment_id: str) -> asyncpg.Record | None:
    """A commitment, locked until the end of the transaction."""
    return await conn.fetchrow(LOCK_COMMITMENT, commitment_id)


async def lock_commitments(conn: asyncpg.Connection, commitment_ids: list[str]) -> dict[str, asyncpg.Record]:
    """Commitments by id, locked until the end of the transaction (in one order)."""
    return {row["commitment_id"]: row for row in await conn.fetch(LOCK_COMMITMENTS, commitment_ids)}


async def select_commitment_by_id(conn: asyncpg.Connection, commitment_id: str) -> asyncpg.Record | None:
    """A commitment by id."""
    return await conn.fetchrow(SELECT_BY_ID, commitment_id)


async def amend_commitment(
    conn: asyncpg.Connection, commitment_id: str, version: int, content: dict, reason: str, by: str
) -> None:
    """Store a new version and make it current."""
    await conn.execute(INSERT_VERSION, commitment_id, version, content, reason, by)
    await conn.execute(UPDATE_CONTENT, commitment_id, content, version)


async def select_member_commitments(conn: asyncpg.Connection, member_id: str) -> list[asyncpg.Record]:
    """All the member's commitments, newest year first."""
    return await conn.fetch(SELECT_BY_MEMBER, member_id)


async def select_history(conn: asyncpg.Connection, ids: list[str]) -> dict[str, list[asyncpg.Record]]:
    """Versions, self-reflections, reports and ratings of the given commitments."""
    return {
        "versions": await conn.fetch(SELECT_VERSIONS, ids),
        "reflections": await conn.fetch(SELECT_REFLECTIONS, ids),
        "reports": await conn.fetch(SELECT_REPORTS, ids),
        "ratings": await conn.fetch(SELECT_RATINGS, ids),
    }


async def insert_reflections(
    conn: asyncpg.Connection, reflections: list[tuple[str, str, dict, str]]
) -> set[tuple[str, str]]:
    """Record months' self-reflections (commitment, month, content, by); the (commitment, month) of each recorded,
    a month that already has one left as it was."""
    if not reflections:
        return set()
    rows = await conn.fetch(INSERT_REFLECTIONS, *(list(column) for column in zip(*reflections, strict=True)))
    return {(row["commitment_id"], row["month"]) for row in rows}


async def select_reflections(
    conn: asyncpg.Connection, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], asyncpg.Record]:
    """The self-reflections of these (commitment, month), by (commitment, month)."""
    if not keys:
        return {}
    rows = await conn.fetch(SELECT_REFLECTIONS_OF, [c for c, _ in keys], [m for _, m in keys])
    return {(row["commitment_id"], row["month"]): row for row in rows}


async def insert_report(
    conn: asyncpg.Connection, commitment_id: str, content: dict, on_time: int, remedied: bool, self_rating: str, by: str
) -> bool:
    """Record the year-end report; False when there is one already."""
    status = await conn.execute(INSERT_REPORT, commitment_id, content, on_time, remedied, self_rating, by)
    return status.endswith(" 1")


async def select_report(conn: asyncpg.Connection, commitment_id: str) -> asyncpg.Record | None:
    """The year-end report of a commitment."""
    return await conn.fetchrow(SELECT_REPORT, commitment_id)


async def upsert_rating(
    conn: asyncpg.Connection, commitment_id: str, rating: str, by: str, unit: str, reason: str, forced_by: str | None
) -> None:
    """Set the commitment's rating (a later rating replaces the earlier one)."""
    await conn.execute(UPSERT_RATING, commitment_id, rating, by, unit, reason, forced_by)


async def select_subtree_page(
    conn: asyncpg.Connection, unit_id: str, year: int, after: str, limit: int
) -> tuple[list[asyncpg.Record], int]:
    """One page of a unit subtree's commitments for a year (keyset on commitment_id), and the total."""
    rows = await conn.fetch(SELECT_SUBTREE_PAGE, unit_id, year, after, limit)
    return rows, await conn.fetchval(COUNT_SUBTREE, unit_id, year)


async def insert_discipline(
    conn: asyncpg.Connection, discipline_id: str, member_id: str, measure: str, decided_on: date
) -> None:
    """Remember a discipline imposed on a member."""
    await conn.execute(UPSERT_DISCIPLINE, discipline_id, member_id, measure, decided_on)


async def select_disciplines(conn: asyncpg.Connection, member_id: str) -> list[asyncpg.Record]:
    """Every discipline of a member."""
    return await conn.fetch(SELECT_DISCIPLINES, member_id)


async def lock_commitment_of_year(conn: asyncpg.Connection, member_id: str, year: int) -> asyncpg.Record | None:
    """The member's commitment of a year with its rating (None when unrated), locked; None without one."""
    commitment_id = await conn.fetchval(LOCK_OF_MEMBER_YEAR, member_id, year)
    return None if commitment_id is None else await conn.fetchrow(SELECT_WITH_RATING, commitment_id)


async def insert_topic(
    conn: asyncpg.Connection, topic_id: str, year: int, title: str, unit_id: str, path: list[str], by: str
) -> bool:
    """Add a topic to the catalogue; False when its code is taken."""
    return (await conn.execute(INSERT_TOPIC, topic_id, year, title, unit_id, path, by)).endswith(" 1")


async def select_topic(conn: asyncpg.Connection, topic_id: str) -> asyncpg.Record | None:
    """A topic of the catalogue."""
    return await conn.fetchrow(SELECT_TOPIC, topic_id)


async def insert_session(
    conn: asyncpg.Connection,
    session_id: str,
    cell_id: str,
    month: str,
    kind: str,
    held_on: date,
    content: dict,
    by: str,
) -> bool:
    """Record a session; False when the cell already has a regular session that month."""
    status = await conn.execute(INSERT_SESSION, session_id, cell_id, month, kind, held_on, content, by)
    return status.endswith(" 1")


async def select_regular(conn: asyncpg.Connection, cell_id: str, month: str) -> asyncpg.Record | None:
    """The cell's regular session of a month."""
    return await conn.fetchrow(SELECT_REGULAR_SESSION, cell_id, month)


async def lock_session(conn: asyncpg.Connection, session_id: str) -> asyncpg.Record | None:
    """A session, locked until the end of the transaction."""
    return await conn.fetchrow(LOCK_SESSION, session_id)


async def update_session(
    conn: asyncpg.Connection, session_id: str, month: str, kind: str, held_on: date, content: dict, revision: int
) -> None:
    """Replace a session record with its amended version."""
    await conn.execute(UPDATE_SESSION, session_id, month, kind, held_on, content, revision)


async def select_cell_members(conn: asyncpg.Connection, cell_id: str) -> set[str]:
    """Ids of the cell's current members."""
    return {row["member_id"] for row in await conn.fetch(SELECT_CELL_MEMBERS, cell_id)}


async def select_sessions_of_year(conn: asyncpg.Connection, cell_id: str, year: int) -> list[asyncpg.Record]:
    """A cell's sessions of a year."""
    return await conn.fetch(SELECT_SESSIONS_OF_CELL_YEAR, cell_id, str(year))
