"""Who may act on channels and deliveries in services/notifications (DESIGN.md §8).

Publishers and operators manage the channels of their subtree; operators alone see and retry deliveries,
those of the channels following a unit of their subtree. The feeds and the page are anonymous.
"""

import asyncpg

from neuguong.runtime.access import unit_in_reach
from neuguong.runtime.auth import Principal, Role
from neuguong.runtime.errors import CommandRejected, NotFound
from services.notifications import store

MANAGERS: tuple[Role, ...] = ("publisher", "operator")
OPERATORS: tuple[Role, ...] = ("operator",)


def require_manager(principal: Principal) -> None:
    """Only publishers and operators manage channels (403 otherwise), checked before anything is read."""
    principal.require_role(*MANAGERS)


def require_operator(principal: Principal) -> None:
    """Only operators see and retry deliveries."""
    principal.require_role(*OPERATORS)


async def unit_for_channels(
    conn: asyncpg.Connection, principal: Principal, unit_id: str, unknown: type[CommandRejected] = CommandRejected
) -> list[str]:
    """The unit's path, once a manager's token reaches it (an unknown unit is `unknown`)."""
    return await unit_in_reach(conn, principal, unit_id, roles=MANAGERS, unknown=unknown)


async def channel_in_reach(conn: asyncpg.Connection, principal: Principal, channel_id: str) -> asyncpg.Record:
    """The channel, its row locked until the transaction ends, once it follows a unit of the token's subtree."""
    channel = await store.lock_channel(conn, channel_id)
    if channel is None:
        raise NotFound("channel_id", f"no channel {channel_id}")
    principal.require_role(*MANAGERS)
    principal.require_subtree(list(channel["unit_path"]))
    return channel
