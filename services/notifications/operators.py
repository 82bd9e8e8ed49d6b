"""HTTP reads and commands of operators: deliveries by state, dead letters sent back to pending."""

from typing import Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from neuguong.runtime import outbox
from neuguong.runtime.http import CurrentPrincipal, IdempotencyKey, Pool, run_command
from neuguong.runtime.idempotency import Answer
from schemas.text import Identifier
from services.notifications import store

router = APIRouter(tags=["deliveries"])
DeliveryState = Literal["pending", "sent", "dead", "cancelled"]


class RetryDeliveries(BaseModel):
    """Command: dead-lettered deliveries back to pending (all, some ids, or one channel's)."""

    model_config = ConfigDict(extra="forbid")

    delivery_ids: list[UUID] | None = Field(default=None, max_length=10000)
    channel_id: Identifier | None = None


def _stamp(value):  # noqa: ANN001, ANN202
    return value.isoformat() if value else None


def delivery_view(row: asyncpg.Record) -> dict:
    """A delivery as operators see it."""
    stamp = _stamp
    return {"delivery_id": str(row["delivery_id"]), "channel_id": row["channel_id"], "honor_id": row["honor_id"],
            "kind": row["kind"], "state": row["state"], "attempts": row["attempts"],
            "total_attempts": row["total_attempts"], "last_status": row["last_status"],
            "last_error": row["last_error"], "created_at": stamp(row["created_at"]),
            "next_attempt_at": stamp(row["next_attempt_at"]) if row["state"] == "pending" else None,
            "settled_at": stamp(row["settled_at"])}


@router.get("/deliveries")
async def list_deliveries(pool: Pool, principal: CurrentPrincipal, state: DeliveryState | None = None,
                          channel_id: str | None = None, limit: int = Query(100, ge=1, le=1000)) -> dict:
    """Deliveries newest first: state, attempts, last error, next attempt (operators, of their subtree's channels)."""
    principal.require_role("operator")
    async with pool.acquire() as conn:
        rows = await store.list_deliveries(conn, state, channel_id, limit, under_unit=principal.unit)
    return {"deliveries": [delivery_view(r) for r in rows]}


@router.post("/deliveries/retry")
async def retry_deliveries(command: RetryDeliveries, request: Request, principal: CurrentPrincipal,
                           key: IdempotencyKey) -> JSONResponse:
    """Send dead-lettered deliveries of the operator's subtree's channels again, with a fresh round."""
    principal.require_role("operator")

    async def work(conn: asyncpg.Connection, _: outbox.EventMeta) -> Answer:
        retried = await store.retry_dead(conn, command.delivery_ids, command.channel_id, under_unit=principal.unit)
        return Answer(200, {"retried": [str(i) for i in retried]})

    return await run_command(request, principal, key, "RetryDeliveries", command.model_dump(mode="json"), work)
