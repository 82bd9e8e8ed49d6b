"""Who may act on which honor roll in services/honors (DESIGN.md §8)."""

from dataclasses import dataclass

import asyncpg

from neuguong.runtime import directory
from neuguong.runtime.auth import Forbidden, Principal, Role
from neuguong.runtime.errors import CommandRejected, Conflict, NotFound, refuse
from services.honors import logic, store
from services.honors.views import honor_view, nomination_view

RECORDERS: tuple[Role, ...] = ("cell_secretary", "committee")
READERS_OF_FINDINGS: tuple[Role, ...] = ("cell_secretary", "committee", "inspector", "operator")


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


async def find_subject(
    conn: asyncpg.Connection, kind: str, subject_id: str, unknown: type[CommandRejected] = CommandRejected
) -> Subject:
    """The subject's name (from the directory) and unit path: a member's cell path, a unit's own."""
    if kind == "member":
        found = await directory.find_member_and_path(conn, subject_id)
        if found is None or found[0].left_party:
            raise unknown("subject.id", "unknown member")
        member, path = found
        path = directory.require_path(path, "subject.id", "the member's cell")
        return Subject(kind, subject_id, member.full_name, path)
    unit = await directory.find_unit(conn, subject_id)
    if unit is None:
        raise unknown("subject.id", "unknown unit")
    path = directory.require_path(await directory.unit_path(conn, subject_id), "subject.id", "the unit")
    return Subject(kind, subject_id, unit["name"], path)


async def own_roll(
    conn: asyncpg.Connection, principal: Principal, unit_id: str | None, field: str, requested_level: str | None = None
) -> Roll:
    """The roll of the token's own unit: committees keep their unit's, a cell secretary only its cell's."""
    principal.require_role(*RECORDERS)
    unit_id = unit_id or principal.unit
    secretary = principal.role == "cell_secretary"
    if secretary and (unit_id != principal.unit or requested_level not in (None, "cell")):
        raise Forbidden(f"{field}: a cell secretary records only cell-level honors of its own cell {principal.unit}")
    if unit_id != principal.unit:
        raise Forbidden(f"{field}: a committee of {principal.unit} acts only for its own unit, not {unit_id}")
    roll = await roll_of(conn, unit_id, field)
    if secretary and roll.level != "cell":
        raise Forbidden(f"{field}: a cell secretary's token must name a cell, not a {roll.level}")
    refuse(logic.level_refusal(requested_level, roll.level, unit_id))
    return roll


async def roll_of(conn: asyncpg.Connection, unit_id: str, field: str = "recording_unit_id") -> Roll:
    """Any unit's roll (the token's own, or the receiver of a nomination)."""
    unit = await directory.find_unit(conn, unit_id)
    if unit is None:
        raise CommandRejected(field, f"unknown unit {unit_id}")
    return Roll(
        unit_id, unit["level"], directory.require_path(await directory.unit_path(conn, unit_id), field, "the unit")
    )


async def honor_to_revoke(conn: asyncpg.Connection, principal: Principal, honor_id: str) -> asyncpg.Record:
    """The locked honor, still on the roll, once the principal is an operator over its subtree."""
    principal.require_role("operator")
    honor = await store.lock_honor(conn, honor_id)
    if honor is None:
        raise NotFound("honor_id", "unknown honor")
    principal.require_subtree(list(honor["unit_path"]))
    if honor["revoked_at"] is not None:
        raise Conflict("honor_id", "already revoked", existing=honor_view(honor))
    return honor


async def nomination_to_decide(conn: asyncpg.Connection, principal: Principal, nomination_id: str) -> asyncpg.Record:
    """The locked pending nomination, once the principal is the committee of the unit that decides it."""
    principal.require_role(*RECORDERS)
    row = await store.lock_nomination(conn, nomination_id)
    if row is None:
        raise NotFound("nomination_id", "unknown nomination")
    if principal.unit != row["recording_unit_id"]:
        raise Forbidden(f"nomination_id: only {row['recording_unit_id']} decides this nomination")
    if row["status"] != "pending":
        raise Conflict("nomination_id", f"already {row['status']}", existing=nomination_view(row))
    return row
