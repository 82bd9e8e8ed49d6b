"""`neuguong deliveries list|retry`: the publicity deliveries of services/notifications, for operators."""

from collections.abc import Sequence
from uuid import UUID

from neuguong.runtime.db import create_pool
from neuguong.runtime.settings import Settings
from services.notifications import store
from services.notifications.operators import delivery_view

SERVICE = "notifications"


def _settings(settings: Settings | None) -> Settings:
    return settings or Settings(service=SERVICE)


async def list_deliveries(settings: Settings | None = None, *, state: str | None = None,
                          channel_id: str | None = None, limit: int = 100) -> list[dict]:
    """Deliveries newest first (state, attempts, last error, next attempt), optionally only `state`."""
    pool = await create_pool(_settings(settings))
    try:
        async with pool.acquire() as conn:
            return [delivery_view(r) for r in await store.list_deliveries(conn, state, channel_id, limit)]
    finally:
        await pool.close()


async def retry_deliveries(settings: Settings | None = None, *, delivery_ids: Sequence[str] = (),
                           channel_id: str | None = None) -> list[str]:
    """Dead-lettered deliveries (all, the given ids, or one channel's) back to pending; their ids."""
    ids = [UUID(i) for i in delivery_ids] or None
    pool = await create_pool(_settings(settings))
    try:
        async with pool.acquire() as conn, conn.transaction():
            return [str(i) for i in await store.retry_dead(conn, ids, channel_id)]
    finally:
        await pool.close()


def format_delivery(view: dict) -> str:
    """One line of `deliveries list`."""
    error = (view["last_error"] or "").replace("\n", " ")[:160]
    return (f"{view['delivery_id']}\t{view['kind']}\t{view['state']}\t{view['channel_id']}\t{view['honor_id']}\t"
            f"attempts={view['attempts']}/{view['total_attempts']}\tstatus={view['last_status'] or '-'}\t"
            f"next={view['next_attempt_at'] or '-'}\t{error}")
