"""Who may act on which honor roll in services/honors (DESIGN.md §8)."""

from dataclasses import dataclass

import asyncpg

from neuguong.runtime import directory
from neuguong.runtime.auth import Forbidden, Principal
from neuguong.runtime.errors import CommandRejected
from services.honors import logic, store

RECORDERS = ("cell_secretary", "committee")
READERS_OF_FINDINGS = ("cell_secretary", "committee", "inspector", "operator")


@dataclass(frozen=True)
class Subject:
    """A member or unit as the local directory knows them, with the unit path of its honors."""

    kind: str
    id: str
    name: str
    unit_path: list[str]


@dataclass(frozen=True)
class Roll:
    """The honor roll of one unit: its level fixes the honors' level (rule 5)."""

    unit_id: str
    level: str
    unit_path: list[str]


async def find_subject(conn: asyncpg.Connection, kind: str, subject_id: str,
                       unknown: type[CommandRejected] = CommandRejected) -> Subject:
    """The subject's name (from the directory) and unit path: a member's cell path, a unit's own."""
    if kind == "member":
        member = await directory.find_member(conn, subject_id)
        if member is None or member.left_party:
            raise unknown("subject.id", "unknown member")
        return Subject(kind, subject_id, member.full_name, await directory.unit_path(conn, member.cell_id))
    unit = await store.select_unit(conn, subject_id)
    if unit is None:
        raise unknown("subject.id", "unknown unit")
    return Subject(kind, subject_id, unit["name"], await directory.unit_path(conn, subject_id))


async def own_roll(conn: asyncpg.Connection, principal: Principal, unit_id: str | None, field: str,
                   requested_level: str | None = None) -> Roll:
    """The roll of the token's own unit: committees keep their unit's, a cell secretary only its cell's."""
    principal.require_role(*RECORDERS)
    unit_id = unit_id or principal.unit
    secretary = principal.role == "cell_secretary"
    if secretary and (unit_id != principal.unit or requested_level not in (None, "cell")):
        raise Forbidden(f"{field}: a cell secretary records only cell-level honors of its own cell {principal.unit}")
    if unit_id != principal.unit:
        raise Forbidden(f"{field}: a committee of {principal.unit} acts only for its own unit, not {unit_id}")
    unit = await store.select_unit(conn, unit_id)
    if unit is None:
        raise CommandRejected(field, "unknown unit")
    if secretary and unit["level"] != "cell":
        raise Forbidden(f"{field}: a cell secretary's token must name a cell, not a {unit['level']}")
    refusal = logic.level_refusal(requested_level, unit["level"], unit_id)
    if refusal is not None:
        raise CommandRejected(*refusal)
    return Roll(unit_id, unit["level"], await directory.unit_path(conn, unit_id))


async def roll_of(conn: asyncpg.Connection, unit_id: str) -> Roll:
    """Any unit's roll (the receiver of a nomination)."""
    unit = await store.select_unit(conn, unit_id)
    if unit is None:
        raise CommandRejected("recording_unit_id", f"unknown unit {unit_id}")
    return Roll(unit_id, unit["level"], await directory.unit_path(conn, unit_id))


async def unit_in_reach(conn: asyncpg.Connection, principal: Principal, unit_id: str,
                        unknown: type[CommandRejected] = CommandRejected) -> list[str]:
    """A unit's path for reading its subtree's roll: any token at or above it."""
    path = await directory.unit_path(conn, unit_id)
    if not path:
        raise unknown("unit_id", "unknown unit")
    principal.require_subtree(path)
    return path
