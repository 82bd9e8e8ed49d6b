"""HTTP of services/notifications: each command route parses and dispatches; reads answer from the store.

Three routers: channels (publishers and operators), deliveries (operators), and the anonymous public
outputs (the pull feeds and the honor-roll page)."""

import hashlib
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from neuguong.runtime import directory
from neuguong.runtime.errors import CommandRejected, NotFound
from neuguong.runtime.http import Commands, CurrentClock, CurrentPrincipal, Pool, ServiceSettings
from neuguong.runtime.input import InputId, InputPeriod
from neuguong.runtime.problems import COMMAND_ANSWERS, PUBLIC_ANSWERS, QUERY_ANSWERS
from neuguong.runtime.settings import Settings
from schemas.honors import HonorLevel
from services.notifications import access, feeds, logic, store
from services.notifications.commands import (
    BackfillChannel,
    BackfillChannelBody,
    ChangeChannel,
    ChangeChannelBody,
    RegisterChannel,
    RetryDeliveries,
)
from services.notifications.page import PAGE_POLICY, render_roll
from services.notifications.views import (
    Backfill,
    Channel,
    ChannelList,
    DeliveryList,
    JsonFeed,
    Retried,
    channel_view,
    delivery_view,
)

router = APIRouter(tags=["channels"])
deliveries = APIRouter(tags=["deliveries"])
public = APIRouter(tags=["public"])

DeliveryState = Literal["pending", "sent", "dead", "cancelled"]
MAX_SEQ = 2**63 - 1
ROLL_LIMIT = 5000
Cursor = Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$", description="opaque change cursor")]
FEED_LIMIT = 50
FeedLimit = Annotated[int, Query(ge=1, le=500)]
IfNoneMatch = Annotated[str | None, Header()]
NOT_MODIFIED = {304: {"description": "The client's copy (If-None-Match) is current: no body"}}


class JsonFeedResponse(JSONResponse):
    """A JSON Feed document (documented by its model; the route encodes it itself)."""

    media_type = "application/feed+json"


class AtomResponse(Response):
    """An Atom feed document."""

    media_type = "application/atom+xml"


JSON_FEED_ANSWERS = {200: {"description": "JSON Feed 1.1"}, **NOT_MODIFIED, **PUBLIC_ANSWERS}
ATOM_ANSWERS = {200: {"description": "Atom 1.0 with RFC 6721 deleted entries"}, **NOT_MODIFIED, **PUBLIC_ANSWERS}
PAGE_ANSWERS = {**NOT_MODIFIED, **PUBLIC_ANSWERS}


@router.post(
    "/channels",
    status_code=201,
    operation_id="notifications_register_channel",
    response_model=Channel,
    responses=COMMAND_ANSWERS,
)
async def register_channel(command: RegisterChannel, commands: Commands) -> JSONResponse:
    """Register a channel following a unit of the caller's subtree (publishers and operators)."""
    return await commands.run(command)


@router.patch(
    "/channels/{channel_id}",
    operation_id="notifications_change_channel",
    response_model=Channel,
    responses=COMMAND_ANSWERS,
)
async def change_channel(channel_id: InputId, body: ChangeChannelBody, commands: Commands) -> JSONResponse:
    """Rename, move, switch off or on, or rotate the secret of a channel in the caller's subtree."""
    return await commands.run(ChangeChannel.of(body, channel_id=channel_id))


@router.post(
    "/channels/{channel_id}/backfill",
    operation_id="notifications_backfill_channel",
    response_model=Backfill,
    responses=COMMAND_ANSWERS,
)
async def backfill_channel(channel_id: InputId, body: BackfillChannelBody, commands: Commands) -> JSONResponse:
    """Queue publications of earlier honors to a channel (one registered late, say), the oldest
    1000 at a time: while `more` is true, send the request again (with a new key). An honor with any
    publication to the channel already (sent, pending, or dead: retry those) is skipped, a revoked one
    is never sent, and a switched-off channel holds what is queued."""
    return await commands.run(BackfillChannel.of(body, channel_id=channel_id))


@router.get(
    "/channels", operation_id="notifications_list_channels", response_model=ChannelList, responses=QUERY_ANSWERS
)
async def list_channels(
    pool: Pool,
    principal: CurrentPrincipal,
    clock: CurrentClock,
    unit_id: Annotated[InputId | None, Query(description="default: the token's unit")] = None,
) -> dict:
    """Channels following units of a subtree in the caller's reach, without secrets."""
    access.require_manager(principal)
    unit_id = unit_id or principal.unit
    async with pool.acquire() as conn:
        await access.unit_for_channels(conn, principal, unit_id, unknown=NotFound)
        rows = await store.select_channels_under(conn, unit_id)
    now = clock.now()
    return {"unit_id": unit_id, "channels": [channel_view(r, now) for r in rows]}


@deliveries.get(
    "/deliveries", operation_id="notifications_list_deliveries", response_model=DeliveryList, responses=QUERY_ANSWERS
)
async def list_deliveries(
    pool: Pool,
    principal: CurrentPrincipal,
    state: DeliveryState | None = None,
    channel_id: InputId | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """Deliveries newest first: state, attempts, last error, next attempt (operators, of their subtree's channels)."""
    access.require_operator(principal)
    async with pool.acquire() as conn:
        rows = await store.list_deliveries(conn, state, channel_id, limit, under_unit=principal.unit)
    return {"deliveries": [delivery_view(r) for r in rows]}


@deliveries.post(
    "/deliveries/retry",
    operation_id="notifications_retry_deliveries",
    response_model=Retried,
    responses=COMMAND_ANSWERS,
)
async def retry_deliveries(command: RetryDeliveries, commands: Commands) -> JSONResponse:
    """Send dead-lettered deliveries of the operator's subtree's channels again, with a fresh round."""
    return await commands.run(command)


def _answer(body: bytes, media_type: str, if_none_match: str | None, policy: str | None = None) -> Response:
    """The body with a strong ETag (304 when the client already has it), cacheable by anyone: it depends on
    nothing but its path and query (links come from NG_PUBLIC_BASE_URL, never from the Host header)."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60", "Vary": "Accept-Encoding"}
    if policy:
        headers["Content-Security-Policy"] = policy
    if logic.etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _feed_link(settings: Settings, unit_id: str, suffix: str, **params: object) -> str:
    """The absolute link of a feed with the given (already validated) parameters."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return settings.public_url(f"/feeds/{unit_id}.{suffix}") + (f"?{query}" if query else "")


async def _feed_page(pool: Pool, settings: Settings, unit_id: str, suffix: str, filters: dict, limit: int) -> dict:
    """The unit, one page of its subtree's changes (newest first), the links and the cursor of a feed."""
    level, min_level, since, before = (filters[k] for k in ("level", "min_level", "since", "before"))
    async with pool.acquire() as conn:
        unit = await directory.find_unit(conn, unit_id)
        if unit is None:
            raise NotFound("unit_id", f"unknown unit {unit_id}")
        rows = await store.select_feed(
            conn, unit_id, logic.selected_levels(level, min_level), int(since or 0), int(before or MAX_SEQ), limit + 1
        )
    more, rows = len(rows) > limit, rows[:limit]
    shown_limit = None if limit == FEED_LIMIT else limit
    following = {"level": level, "min_level": min_level, "since": since}
    return {
        "title": f"Sổ ghi danh — {unit['name']}",
        "home": settings.public_url(f"/so-ghi-danh/{unit_id}"),
        "feed_url": _feed_link(settings, unit_id, suffix, **filters, limit=shown_limit),
        "rows": rows,
        "cursor": feeds.cursor_of(rows) or since or "0",
        "next_url": _feed_link(settings, unit_id, suffix, **following, before=rows[-1]["change_seq"], limit=limit)
        if more
        else None,
    }


@public.get(
    "/feeds/{unit_id}.json",
    operation_id="notifications_read_json_feed",
    response_class=JsonFeedResponse,
    response_model=JsonFeed,
    responses=JSON_FEED_ANSWERS,
)
async def json_feed(
    request: Request,
    pool: Pool,
    settings: ServiceSettings,
    unit_id: InputId,
    level: HonorLevel | None = None,
    min_level: HonorLevel | None = None,
    since: Cursor = None,
    before: Cursor = None,
    limit: FeedLimit = FEED_LIMIT,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """JSON Feed 1.1 of the honorees of a unit's subtree, newest change first, tombstones for revoked ones."""
    filters = {"level": level, "min_level": min_level, "since": since, "before": before}
    page = await _feed_page(pool, settings, unit_id, "json", filters, limit)
    document = feeds.json_feed(**page)
    return _answer(feeds.encode_json(document), "application/feed+json; charset=utf-8", if_none_match)


@public.get(
    "/feeds/{unit_id}.atom",
    operation_id="notifications_read_atom_feed",
    response_class=AtomResponse,
    responses=ATOM_ANSWERS,
)
async def atom_feed(
    request: Request,
    pool: Pool,
    settings: ServiceSettings,
    clock: CurrentClock,
    unit_id: InputId,
    level: HonorLevel | None = None,
    min_level: HonorLevel | None = None,
    since: Cursor = None,
    before: Cursor = None,
    limit: FeedLimit = FEED_LIMIT,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Atom 1.0 of the same, revoked honors as RFC 6721 deleted entries."""
    filters = {"level": level, "min_level": min_level, "since": since, "before": before}
    page = await _feed_page(pool, settings, unit_id, "atom", filters, limit)
    body = feeds.atom_feed(
        feed_id=f"urn:neuguong:feed:{unit_id}:{level or ''}:{min_level or ''}", now=clock.now(), **page
    )
    return _answer(body, "application/atom+xml; charset=utf-8", if_none_match)


@public.get(
    "/so-ghi-danh/{unit_id}",
    response_class=HTMLResponse,
    operation_id="notifications_read_honor_roll_page",
    responses=PAGE_ANSWERS,
)
async def honor_roll(
    request: Request,
    pool: Pool,
    settings: ServiceSettings,
    unit_id: InputId,
    period: Annotated[InputPeriod | None, Query()] = None,
    level: HonorLevel | None = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Sổ ghi danh of a unit and its subtree, filterable by period and level, names in Vietnamese order, with
    links to the feeds that follow the same unit (and level)."""
    async with pool.acquire() as conn:
        unit = await directory.find_unit(conn, unit_id)
        if unit is None:
            raise NotFound("unit_id", f"unknown unit {unit_id}")
        rows = await store.select_roll(conn, unit_id, logic.selected_levels(level, None), period, ROLL_LIMIT)
        periods = await store.select_roll_periods(conn, unit_id)
    if len(rows) >= ROLL_LIMIT and period is None:
        raise CommandRejected("period", f"more than {ROLL_LIMIT} entries: choose a period")
    links = {suffix: _feed_link(settings, unit_id, suffix, level=level) for suffix in ("atom", "json")}
    html = render_roll(unit["name"], rows, periods, period, level, links)
    return _answer(html.encode("utf-8"), "text/html; charset=utf-8", if_none_match, PAGE_POLICY)
