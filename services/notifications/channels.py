"""HTTP commands and reads of channels: where publicity goes (secrets are stored, never returned)."""

import hashlib
from typing import Literal

import asyncpg
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr

from neuguong.runtime import directory, outbox
from neuguong.runtime.errors import CommandRejected, Conflict, NotFound
from neuguong.runtime.http import CurrentPrincipal, IdempotencyKey, Pool, run_command
from neuguong.runtime.idempotency import Answer
from neuguong.runtime.input import InputText
from schemas.honors import HonorLevel
from schemas.text import Identifier
from services.notifications import store

router = APIRouter(tags=["channels"])
MANAGERS = ("publisher", "operator")


class RegisterChannel(BaseModel):
    """Command: a portal or fanpage endpoint that follows a unit's subtree from a minimum level up."""

    model_config = ConfigDict(extra="forbid")

    channel_id: Identifier
    kind: Literal["portal", "fanpage"]
    name: InputText
    url: HttpUrl
    secret: SecretStr = Field(min_length=16, max_length=256, description="shared HMAC secret; never read back")
    unit_id: Identifier
    min_level: HonorLevel = "cell"


def channel_view(row: asyncpg.Record) -> dict:
    """A channel as reads show it: no secret."""
    return {"channel_id": row["channel_id"], "kind": row["kind"], "name": row["name"], "url": row["url"],
            "unit_id": row["unit_id"], "min_level": row["min_level"], "created_by": row["created_by"],
            "created_at": row["created_at"].isoformat(), "consecutive_failures": row["consecutive_failures"],
            "paused_until": row["paused_until"].isoformat() if row["paused_until"] else None}


@router.post("/channels", status_code=201)
async def register_channel(command: RegisterChannel, request: Request, principal: CurrentPrincipal,
                           key: IdempotencyKey) -> JSONResponse:
    """Register a channel in the caller's subtree (publishers and operators)."""
    principal.require_role(*MANAGERS)
    production = request.app.state.runtime.settings.environment == "production"
    if production and command.url.scheme != "https":
        raise CommandRejected("url", "must be https in production (the body names people)")

    async def work(conn: asyncpg.Connection, _: outbox.EventMeta) -> Answer:
        path = await directory.unit_path(conn, command.unit_id)
        if not path:
            raise CommandRejected("unit_id", f"unknown unit {command.unit_id}")
        principal.require_subtree(path)
        row = await store.insert_channel(conn, {
            **command.model_dump(exclude={"secret", "url"}), "url": str(command.url),
            "secret": command.secret.get_secret_value(), "unit_path": path, "created_by": principal.sub})
        if row is None:
            existing = await store.select_channel(conn, command.channel_id)
            raise Conflict("channel_id", f"{command.channel_id} is already registered", existing=channel_view(existing))
        return Answer(201, channel_view(row))

    fingerprint = {**command.model_dump(mode="json", exclude={"secret"}),
                   "secret_sha256": hashlib.sha256(command.secret.get_secret_value().encode()).hexdigest()}
    return await run_command(request, principal, key, "RegisterChannel", fingerprint, work)


@router.get("/channels")
async def list_channels(pool: Pool, principal: CurrentPrincipal,
                        unit_id: str | None = Query(None, description="default: the token's unit")) -> dict:
    """Channels following units of a subtree in the caller's reach, without secrets."""
    principal.require_role(*MANAGERS)
    unit_id = unit_id or principal.unit
    async with pool.acquire() as conn:
        path = await directory.unit_path(conn, unit_id)
        if not path:
            raise NotFound("unit_id", f"unknown unit {unit_id}")
        principal.require_subtree(path)
        rows = await store.select_channels_under(conn, unit_id)
    return {"unit_id": unit_id, "channels": [channel_view(r) for r in rows]}
