"""Who may act on whom in services/inspections (DESIGN.md §8): inspectors and committees, in their subtree."""

import asyncpg

from neuguong.runtime import directory
from neuguong.runtime.auth import Principal
from neuguong.runtime.errors import CommandRejected

INSPECTORS = ("inspector", "committee")


async def target_path(conn: asyncpg.Connection, kind: str, target_id: str,
                      unknown: type[CommandRejected] = CommandRejected) -> list[str]:
    """The target's unit path: a member's cell path, a unit's own path."""
    if kind == "member":
        member = await directory.find_member(conn, target_id)
        path = [] if member is None else await directory.unit_path(conn, member.cell_id)
    else:
        path = await directory.unit_path(conn, target_id)
    if not path:
        raise unknown("target.id", f"unknown {kind}")
    return path


async def target_in_reach(conn: asyncpg.Connection, principal: Principal, kind: str, target_id: str) -> list[str]:
    """The target's unit path, once the principal is an inspector or committee above it."""
    principal.require_role(*INSPECTORS)
    path = await target_path(conn, kind, target_id)
    principal.require_subtree(path)
    return path


async def unit_in_reach(conn: asyncpg.Connection, principal: Principal, unit_id: str,
                        unknown: type[CommandRejected] = CommandRejected) -> list[str]:
    """A unit's path for reading its subtree's findings: inspectors and committees at or above it."""
    principal.require_role(*INSPECTORS)
    path = await directory.unit_path(conn, unit_id)
    if not path:
        raise unknown("unit_id", "unknown unit")
    principal.require_subtree(path)
    return path
