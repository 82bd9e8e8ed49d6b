"""Reach checks every service shares: may this token read or act at this unit?"""

import asyncpg

from neuguong.runtime import directory
from neuguong.runtime.auth import Principal, Role
from neuguong.runtime.errors import CommandRejected, NotFound


async def unit_in_reach(
    conn: asyncpg.Connection,
    principal: Principal,
    unit_id: str,
    *,
    roles: tuple[Role, ...] = (),
    field: str = "unit_id",
    unknown: type[CommandRejected] = NotFound,
) -> list[str]:
    """The unit's path (root first), once the token lies at or above it and, when `roles` are given,
    carries one of them; an unknown unit is `unknown` (404 for reads)."""
    path = await directory.unit_path(conn, unit_id)
    if not path and await directory.find_unit(conn, unit_id) is None:
        raise unknown(field, f"unknown unit {unit_id}")
    if roles:
        principal.require_role(*roles)
    principal.require_subtree(directory.require_path(path, field, "the unit"))
    return path
