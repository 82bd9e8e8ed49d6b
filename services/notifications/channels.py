"""HTTP commands and reads of channels: where publicity goes (secrets are stored, never returned)."""

import hashlib
import logging
from datetime import UTC, date, datetime, time
from typing import Literal

import asyncpg
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr

from neuguong.periods import LOCAL_TZ
from neuguong.runtime import directory, outbox
from neuguong.runtime.errors import CommandRejected, Conflict, NotFound
from neuguong.runtime.http import CurrentPrincipal, IdempotencyKey, Pool, run_command
from neuguong.runtime.idempotency import Answer
from neuguong.runtime.input import InputText
from schemas.honors import HonorLevel
from schemas.text import Identifier
from services.notifications import logic, store

log = logging.getLogger(__name__)
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


class ChangeChannel(BaseModel):
    """Command: change a channel; only the fields given change.

    A new `secret` takes effect at once, and the one it replaces keeps signing beside it for
    `previous_secret_valid_hours` (deliveries carry both signatures), so the receiver can switch at any
    moment of that window. A channel switched off (`enabled: false`) gets no new publications and holds
    its pending ones until it is switched on again; retractions still go out.
    """

    model_config = ConfigDict(extra="forbid")

    name: InputText | None = None
    url: HttpUrl | None = None
    min_level: HonorLevel | None = None
    enabled: bool | None = None
    secret: SecretStr | None = Field(None, min_length=16, max_length=256, description="the new shared HMAC secret")
    previous_secret_valid_hours: int | None = Field(None, ge=0, le=168,
                                                    description="how long the replaced secret still signs (default 24)")


CHANGEABLE = ("name", "url", "min_level", "enabled", "secret")
DEFAULT_GRACE_HOURS = 24


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _future(value: datetime | None) -> datetime | None:
    return value if value and value > datetime.now(UTC) else None


def channel_view(row: asyncpg.Record) -> dict:
    """A channel as reads show it: no secret."""
    return {"channel_id": row["channel_id"], "kind": row["kind"], "name": row["name"], "url": row["url"],
            "unit_id": row["unit_id"], "min_level": row["min_level"], "enabled": row["enabled"],
            "created_by": row["created_by"], "created_at": row["created_at"].isoformat(),
            "updated_by": row["updated_by"], "updated_at": _iso(row["updated_at"]),
            "previous_secret_valid_until": _iso(_future(row["previous_secret_expires_at"])),
            "consecutive_failures": row["consecutive_failures"], "paused_until": _iso(row["paused_until"])}


def _require_https_in_production(request: Request, url: HttpUrl) -> None:
    if request.app.state.runtime.settings.environment == "production" and url.scheme != "https":
        raise CommandRejected("url", "must be https in production (the body names people)")


def _secret_fingerprint(secret: SecretStr | None) -> str | None:
    """What idempotency compares of a secret: its hash, never the secret."""
    return hashlib.sha256(secret.get_secret_value().encode()).hexdigest() if secret else None


@router.post("/channels", status_code=201)
async def register_channel(command: RegisterChannel, request: Request, principal: CurrentPrincipal,
                           key: IdempotencyKey) -> JSONResponse:
    """Register a channel in the caller's subtree (publishers and operators)."""
    principal.require_role(*MANAGERS)
    _require_https_in_production(request, command.url)

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
                   "secret_sha256": _secret_fingerprint(command.secret)}
    return await run_command(request, principal, key, "RegisterChannel", fingerprint, work)


@router.patch("/channels/{channel_id}")
async def change_channel(channel_id: str, command: ChangeChannel, request: Request, principal: CurrentPrincipal,
                         key: IdempotencyKey) -> JSONResponse:
    """Rename, move, switch off or on, or rotate the secret of a channel in the caller's subtree."""
    principal.require_role(*MANAGERS)
    given = {name for name in command.model_fields_set if getattr(command, name) is not None}
    if not given & set(CHANGEABLE):
        raise CommandRejected("body", f"changes nothing: give at least one of {', '.join(CHANGEABLE)}")
    if command.previous_secret_valid_hours is not None and command.secret is None:
        raise CommandRejected("previous_secret_valid_hours", "only applies together with a new secret")
    if command.url is not None:
        _require_https_in_production(request, command.url)

    async def work(conn: asyncpg.Connection, _: outbox.EventMeta) -> Answer:
        channel = await store.lock_channel(conn, channel_id)
        if channel is None:
            raise NotFound("channel_id", f"no channel {channel_id}")
        principal.require_subtree(list(channel["unit_path"]))
        grace = command.previous_secret_valid_hours
        row = await store.change_channel(conn, channel_id, {
            **command.model_dump(include=given - {"secret", "url", "previous_secret_valid_hours"}),
            "url": str(command.url) if command.url else None,
            "secret": command.secret.get_secret_value() if command.secret else None,
            "grace_hours": DEFAULT_GRACE_HOURS if grace is None else grace}, principal.sub)
        return Answer(200, channel_view(row))

    fingerprint = {"channel_id": channel_id, **command.model_dump(mode="json", exclude={"secret"}),
                   "secret_sha256": _secret_fingerprint(command.secret)}
    return await run_command(request, principal, key, "ChangeChannel", fingerprint, work)


class BackfillChannel(BaseModel):
    """Command: send a channel the honors already on the roll that it follows, recorded since a day."""

    model_config = ConfigDict(extra="forbid")

    recorded_since: date = Field(ge=date(2000, 1, 1), description="the first day (Vietnam time) of the honors to send")


BACKFILL_BATCH = 1000
"""Honors one backfill request queues at most: its transaction holds the lock of the honors consumer."""


@router.post("/channels/{channel_id}/backfill")
async def backfill_channel(channel_id: str, command: BackfillChannel, request: Request, principal: CurrentPrincipal,
                           key: IdempotencyKey) -> JSONResponse:
    """Queue publications of earlier honors to a channel (one registered late, say), the oldest
    BACKFILL_BATCH (1000) at a time: while `more` is true, send the request again (with a new key). An honor with
    any publication to the channel already (sent, pending, or dead: retry those) is skipped, a revoked one
    is never sent, and a switched-off channel holds what is queued."""
    principal.require_role(*MANAGERS)

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        await store.lock_feed(conn)  # first, in the order the honors consumer takes its locks
        channel = await store.lock_channel(conn, channel_id)
        if channel is None:
            raise NotFound("channel_id", f"no channel {channel_id}")
        principal.require_subtree(list(channel["unit_path"]))
        since = datetime.combine(command.recorded_since, time(), tzinfo=LOCAL_TZ)
        queued, more = await store.queue_backfill(conn, channel_id, since, logic.LEVELS, meta.correlation_id,
                                                  BACKFILL_BATCH)
        log.info("channel backfilled", extra={"channel_id": channel_id, "requested_by": principal.sub,
                                              "recorded_since": command.recorded_since.isoformat(),
                                              "queued": queued, "more": more})
        return Answer(200, {"channel_id": channel_id, "recorded_since": command.recorded_since.isoformat(),
                            "queued": queued, "more": more})

    fingerprint = {"channel_id": channel_id, **command.model_dump(mode="json")}
    return await run_command(request, principal, key, "BackfillChannel", fingerprint, work)


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
