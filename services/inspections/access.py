"""Who may act on whom in services/inspections (DESIGN.md §8): inspectors and committees, in their subtree.

A unit's subtree is checked by the shared `neuguong.runtime.access.unit_in_reach` with `roles=INSPECTORS`.
"""

from typing import get_args

import asyncpg

from neuguong.runtime import directory
from neuguong.runtime.auth import Forbidden, Principal, Role
from neuguong.runtime.errors import CommandRejected, NotFound, refuse
from schemas.directory import UnitLevel
from services.inspections import logic, store
from services.inspections.commands import TargetIn

INSPECTORS: tuple[Role, ...] = ("inspector", "committee")


async def target_path(
    conn: asyncpg.Connection, kind: str, target_id: str, unknown: type[CommandRejected] = CommandRejected
) -> list[str]:
    """The target's unit path: a member's cell path, a unit's own path."""
    if kind == "member":
        found = await directory.find_member_and_path(conn, target_id)
        if found is None:
            raise unknown("target.id", "unknown member")
        return directory.require_path(found[1], "target.id", "the member's cell")
    path = await directory.unit_path(conn, target_id)
    if not path and await directory.find_unit(conn, target_id) is None:
        raise unknown("target.id", f"unknown {kind}")
    return directory.require_path(path, "target.id", "the unit")


async def target_in_reach(conn: asyncpg.Connection, principal: Principal, kind: str, target_id: str) -> list[str]:
    """The target's unit path, once the principal is an inspector or committee above it."""
    principal.require_role(*INSPECTORS)
    path = await target_path(conn, kind, target_id)
    principal.require_subtree(path)
    return path


async def committee_over_target(
    conn: asyncpg.Connection, principal: Principal, target: TargetIn, committee_unit_id: str | None
) -> tuple[list[str], str]:
    """The target's unit path and the committee that acts on it (default: the token's unit), once the
    principal may act on the target and the committee lies between the token's unit and the target."""
    path = await target_in_reach(conn, principal, target.kind, target.id)
    committee = committee_unit_id or principal.unit
    refuse(logic.committee_refusal(committee, path, principal.unit))
    return path, committee


async def inspection_to_conclude(conn: asyncpg.Connection, principal: Principal, inspection_id: str) -> asyncpg.Record:
    """The locked inspection, once the principal speaks for the committee that opened it or one above.

    Never a lower body, and never the inspected unit's own committee.
    """
    principal.require_role(*INSPECTORS)
    row = await store.lock_inspection(conn, inspection_id)
    if row is None:
        raise NotFound("inspection_id", "unknown inspection")
    committee = row["committee_unit_id"]
    path = await directory.unit_path(conn, committee)
    if not path and principal.unit != committee and await _may_be_above(conn, principal.unit, committee):
        # A committee above is known only through the committee's whole path: while a unit above it is still on
        # its way through the directory's topics, a 503 to try again (not a 403 that would be wrong once it came).
        # A body of the committee's level or below gets its 403 at once: no path makes it one above.
        directory.require_path(path, "inspection_id", "the committee that opened it")
    try:
        principal.require_subtree(path or [committee])
    except Forbidden as error:
        raise Forbidden(f"unit: only {committee} or a committee above it concludes this inspection") from error
    return row


async def _may_be_above(conn: asyncpg.Connection, unit_id: str, committee: str) -> bool:
    """Whether `unit_id` is of a higher level than `committee` (a level not known here counts as possibly)."""
    order = get_args(UnitLevel)  # province first
    mine, theirs = await directory.unit_level(conn, unit_id), await directory.unit_level(conn, committee)
    return mine not in order or theirs not in order or order.index(mine) < order.index(theirs)


async def readable_inspection(conn: asyncpg.Connection, principal: Principal, inspection_id: str) -> asyncpg.Record:
    """An inspection, for inspectors and committees above its target."""
    principal.require_role(*INSPECTORS)
    row = await store.select_inspection(conn, inspection_id)
    if row is None:
        raise NotFound("inspection_id", "unknown inspection")
    principal.require_subtree(list(row["unit_path"]))
    return row
