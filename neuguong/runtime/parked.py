"""Parked outbox rows as operators see and settle them, through each service's HTTP API.

A parked row is an accepted command's event the broker refuses for good (too large for its topic). It holds
back the later rows of its key until an operator retries it (once the topic accepts it: a larger
max.message.bytes) or discards it (its event is never published; the later rows of its key then flow).
Both are idempotent: a row retried twice is pending (or published) once; discarded twice, discarded once.
"""

from typing import Any

import asyncpg

from neuguong.runtime.auth import Forbidden, Principal
from neuguong.runtime.errors import Conflict, NotFound
from neuguong.runtime.outbox import NOTIFY_RELAY

SELECT_PARKED = """
SELECT o.id, o.event_id, o.topic, o.key, o.event_type, octet_length(o.body) AS bytes, o.created_at, o.parked_at,
    o.parked_reason,
    (SELECT count(*) FROM outbox h WHERE h.topic = o.topic AND h.key = o.key AND h.id > o.id
        AND h.published_at IS NULL AND h.discarded_at IS NULL) AS held_back
FROM outbox o WHERE o.parked_at IS NOT NULL AND o.discarded_at IS NULL ORDER BY o.id
"""
LOCK_ROW = "SELECT id, published_at, parked_at, discarded_at FROM outbox WHERE id = $1 FOR UPDATE"
RETRY_ROW = "UPDATE outbox SET parked_at = NULL WHERE id = $1"
DISCARD_ROW = "UPDATE outbox SET discarded_at = now() WHERE id = $1"
IS_ROOT = "SELECT parent_id IS NULL FROM directory_units WHERE unit_id = $1"


async def require_root_operator(conn: asyncpg.Connection, principal: Principal) -> None:
    """Only an operator of the whole tree: a parked row may be any unit's event, and discarding one drops it
    from the system's history, so no subtree's operator may see or settle them (403 otherwise)."""
    principal.require_role("operator")
    if not await conn.fetchval(IS_ROOT, principal.unit):
        raise Forbidden(f"unit: parked rows may belong to any unit; {principal.unit} is not the root of the tree")


async def list_parked(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Parked rows, oldest first, each with why and how many later rows of its key it holds back."""
    return [
        {
            "id": row["id"],
            "event_id": str(row["event_id"]),
            "topic": row["topic"],
            "key": row["key"],
            "event_type": row["event_type"],
            "bytes": row["bytes"],
            "created_at": row["created_at"].isoformat(),
            "parked_at": row["parked_at"].isoformat(),
            "reason": row["parked_reason"],
            "held_back": row["held_back"],
        }
        for row in await conn.fetch(SELECT_PARKED)
    ]


async def retry(conn: asyncpg.Connection, row_id: int) -> dict[str, Any]:
    """Hand a parked row back to the relay (in the caller's transaction); its state after."""
    state = await _locked_state(conn, row_id)
    if state == "discarded":
        raise Conflict("id", f"outbox row {row_id} was discarded; it cannot be retried")
    if state == "parked":
        await conn.execute(RETRY_ROW, row_id)
        await conn.execute(NOTIFY_RELAY)
        state = "pending"
    return {"id": row_id, "state": state}


async def discard(conn: asyncpg.Connection, row_id: int) -> dict[str, Any]:
    """Give up a parked row: its event is never published, its key's later rows flow; its state after."""
    state = await _locked_state(conn, row_id)
    if state in ("pending", "published"):
        raise Conflict("id", f"outbox row {row_id} is {state}, not parked: only a parked row can be discarded")
    if state == "parked":
        await conn.execute(DISCARD_ROW, row_id)
        await conn.execute(NOTIFY_RELAY)
    return {"id": row_id, "state": "discarded"}


async def _locked_state(conn: asyncpg.Connection, row_id: int) -> str:
    row = await conn.fetchrow(LOCK_ROW, row_id)
    if row is None:
        raise NotFound("id", f"no outbox row {row_id} (published rows are removed after NG_OUTBOX_RETENTION_SECONDS)")
    if row["published_at"] is not None:
        return "published"
    if row["discarded_at"] is not None:
        return "discarded"
    return "parked" if row["parked_at"] is not None else "pending"
