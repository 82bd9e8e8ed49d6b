"""The local copy of the directory every service keeps, fed from the compacted directory topics."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import asyncpg

from neuguong.runtime.errors import NotYetKnown
from schemas import Envelope, MemberRegistered, OrgUnitRegistered
from schemas.topics import DIRECTORY_MEMBERS, DIRECTORY_UNITS

UPSERT_UNIT = """
INSERT INTO directory_units (unit_id, parent_id, level, name, cell_kind, commune, admin_codes, dissolved, merged_into)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (unit_id) DO UPDATE SET parent_id = $2, level = $3, name = $4, cell_kind = $5, commune = $6,
    admin_codes = $7, dissolved = $8, merged_into = $9, updated_at = now()
"""
UPSERT_MEMBER = """
INSERT INTO directory_members (member_id, full_name, cell_id, admitted_on, status, is_leader, is_head, left_party)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (member_id) DO UPDATE SET full_name = $2, cell_id = $3, admitted_on = $4, status = $5,
    is_leader = $6, is_head = $7, left_party = $8, updated_at = now()
"""
# Walks up from units (`:start` selects them); parents may arrive after children (other partitions), so paths are
# read, not stored. Each row keeps the unit its walk started from.
WALK_UP = """
up AS (
    SELECT unit_id AS start, unit_id, parent_id, 0 AS depth FROM directory_units WHERE unit_id IN (:start)
    UNION ALL
    SELECT up.start, u.unit_id, u.parent_id, up.depth + 1 FROM directory_units u JOIN up ON u.unit_id = up.parent_id
    WHERE up.depth < 16
)"""
# A path is whole only when the walk reached a root (a unit without parent): a parent still on its way (another
# partition) or a chain deeper than the walk gives no path, as an unknown unit does, never a partial one that
# an event would carry for good (a commitment counted nowhere above its cell).
WHOLE_PATH = "CASE WHEN bool_or(parent_id IS NULL) THEN array_agg(unit_id ORDER BY depth DESC) END"
SELECT_UNIT_PATH = f"""
WITH RECURSIVE {WALK_UP.replace(":start", "$1")}
SELECT {WHOLE_PATH} FROM up
"""
# The member and the unit path of their cell, in one round trip.
SELECT_MEMBER_AND_PATH = f"""
WITH RECURSIVE m AS (SELECT * FROM directory_members WHERE member_id = $1),
{WALK_UP.replace(":start", "SELECT cell_id FROM m")}
SELECT m.*, (SELECT {WHOLE_PATH} FROM up) AS unit_path FROM m
"""
# Many members and the unit paths of their cells, in one round trip: each cell walked once.
SELECT_MEMBERS_AND_PATHS = f"""
WITH RECURSIVE m AS (SELECT * FROM directory_members WHERE member_id = ANY($1::text[])),
{WALK_UP.replace(":start", "SELECT cell_id FROM m")},
paths AS (SELECT start, {WHOLE_PATH} AS unit_path FROM up GROUP BY start)
SELECT m.*, paths.unit_path FROM m LEFT JOIN paths ON paths.start = m.cell_id
"""
SELECT_UNIT = "SELECT * FROM directory_units WHERE unit_id = $1"
SELECT_UNIT_LEVEL = "SELECT level FROM directory_units WHERE unit_id = $1"


@dataclass(frozen=True)
class Member:
    """A member as the local directory knows them."""

    member_id: str
    full_name: str
    cell_id: str
    admitted_on: date
    status: str
    is_leader: bool
    is_head: bool
    left_party: bool


async def on_unit_registered(conn: asyncpg.Connection, event: OrgUnitRegistered, _: Envelope) -> None:
    """Keep the latest state of a unit."""
    await conn.execute(
        UPSERT_UNIT,
        event.unit_id,
        event.parent_id,
        event.level,
        event.name,
        event.cell_kind,
        event.commune,
        [c.model_dump() for c in event.admin_codes],
        event.dissolved,
        event.merged_into,
    )


async def on_member_registered(conn: asyncpg.Connection, event: MemberRegistered, _: Envelope) -> None:
    """Keep the latest state of a member."""
    await conn.execute(
        UPSERT_MEMBER,
        event.member_id,
        event.full_name,
        event.cell_id,
        event.admitted_on,
        event.status,
        event.is_leader,
        event.is_head,
        event.left,
    )


async def unit_path(conn: asyncpg.Connection, unit_id: str) -> list[str]:
    """Ids of the unit and its ancestors, root first; empty when the unit, or one above it, is not known here."""
    return list(await conn.fetchval(SELECT_UNIT_PATH, unit_id) or [])


async def find_member_and_path(conn: asyncpg.Connection, member_id: str) -> tuple[Member, list[str]] | None:
    """The member and the ids of their cell and its ancestors, root first (empty while the cell, or a unit above
    it, is not known here: see `require_path`); None when the directory does not know the member."""
    row = await conn.fetchrow(SELECT_MEMBER_AND_PATH, member_id)
    return None if row is None else _member_and_path(row)


async def find_members_and_paths(
    conn: asyncpg.Connection, member_ids: Iterable[str]
) -> dict[str, tuple[Member, list[str]]]:
    """`find_member_and_path` of many members in one query: the members the directory knows, by id."""
    rows = await conn.fetch(SELECT_MEMBERS_AND_PATHS, list(set(member_ids)))
    return {row["member_id"]: _member_and_path(row) for row in rows}


def _member_and_path(row: asyncpg.Record) -> tuple[Member, list[str]]:
    return Member(**{k: row[k] for k in Member.__dataclass_fields__}), list(row["unit_path"] or [])


def require_path(path: list[str], field: str, what: str) -> list[str]:
    """`path` when whole; else the service's copy of the directory has the member or unit but not yet every unit
    above it (the directory's topics arrive independently): a 503 naming `field`, to try again shortly."""
    if not path:
        raise NotYetKnown(field, f"the directory here does not yet know every unit above {what}; try again shortly")
    return path


async def find_unit(conn: asyncpg.Connection, unit_id: str) -> asyncpg.Record | None:
    """The unit as the local directory knows it (name, level, parent, commune, …), None when unknown."""
    return await conn.fetchrow(SELECT_UNIT, unit_id)


async def unit_level(conn: asyncpg.Connection, unit_id: str) -> str | None:
    """The level of a unit (province, district, grassroots, cell), None when unknown."""
    return await conn.fetchval(SELECT_UNIT_LEVEL, unit_id)


HANDLERS = {
    OrgUnitRegistered.event_type: on_unit_registered,
    MemberRegistered.event_type: on_member_registered,
}
TOPICS = [DIRECTORY_UNITS.name, DIRECTORY_MEMBERS.name]
