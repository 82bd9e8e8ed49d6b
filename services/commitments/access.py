"""Who may act for whom in services/commitments (DESIGN.md §8)."""

import asyncpg

from neuguong.runtime import directory
from neuguong.runtime.auth import Forbidden, Principal
from neuguong.runtime.errors import CommandRejected

COMMITTEES = ("committee",)
CELL_LEADERSHIP = ("cell_secretary", "committee")


async def member_in_reach(
    conn: asyncpg.Connection, principal: Principal, member_id: str, *, others: tuple[str, ...],
    unknown: type[CommandRejected] = CommandRejected,
) -> tuple[directory.Member, list[str]]:
    """The member and their unit path, once the principal may act for them.

    A member acts for themselves; the roles in `others` act for members of their subtree.
    """
    member = await directory.find_member(conn, member_id)
    if member is None or member.left_party:
        raise unknown("member_id", "unknown member")
    path = await directory.unit_path(conn, member.cell_id)
    if principal.sub == member_id:  # everyone files, reviews and reports their own commitment
        return member, path
    if principal.role == "member":
        raise Forbidden("member_id: a member may only act for themselves")
    principal.require_role(*others)
    principal.require_subtree(path)
    return member, path


async def cell_in_reach(conn: asyncpg.Connection, principal: Principal, cell_id: str) -> list[str]:
    """The cell's unit path, once the principal is its secretary or a committee above it."""
    path = await directory.unit_path(conn, cell_id)
    if not path or await directory.unit_level(conn, cell_id) != "cell":
        raise CommandRejected("cell_id", "unknown cell")
    principal.require_role(*CELL_LEADERSHIP)
    principal.require_subtree(path)
    return path


async def unit_in_reach(conn: asyncpg.Connection, principal: Principal, unit_id: str,
                        unknown: type[CommandRejected] = CommandRejected) -> list[str]:
    """A unit's path for reading its subtree: cell secretaries and committees at or above it."""
    path = await directory.unit_path(conn, unit_id)
    if not path:
        raise unknown("unit_id", "unknown unit")
    principal.require_role(*CELL_LEADERSHIP)
    principal.require_subtree(path)
    return path
