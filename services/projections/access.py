"""Who may read which figures: committees and cell secretaries, for their own subtree."""

import asyncpg

from neuguong.runtime import directory
from neuguong.runtime.auth import Principal
from neuguong.runtime.errors import NotFound

READERS = ("committee", "cell_secretary", "inspector", "operator")


async def unit_in_reach(conn: asyncpg.Connection, principal: Principal, unit_id: str) -> list[str]:
    """The unit's path, once the principal may read figures at or under it."""
    path = await directory.unit_path(conn, unit_id)
    if not path:
        raise NotFound("unit_id", f"unknown unit {unit_id}")
    principal.require_role(*READERS)
    principal.require_subtree(path)
    return path
