"""Anonymous public outputs: the pull feeds (JSON Feed 1.1, Atom 1.0) and the honor-roll page."""

import hashlib
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import HTMLResponse

from neuguong.runtime.errors import CommandRejected, NotFound
from neuguong.runtime.http import Pool
from schemas.honors import HonorLevel
from services.notifications import feeds, logic, store
from services.notifications.page import render_roll

router = APIRouter(tags=["public"])
MAX_SEQ = 2**63 - 1
ROLL_LIMIT = 5000
Cursor = Annotated[str | None, Query(pattern=r"^\d{1,18}$", description="opaque change cursor")]


def _answer(request: Request, body: bytes, media_type: str, if_none_match: str | None) -> Response:
    """The body with a strong ETag; 304 when the client already has it."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60", "Vary": "Accept-Encoding"}
    if logic.etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


async def _feed_rows(pool, request: Request, unit_id: str, level, min_level, since, before, limit):  # noqa: ANN001, ANN202
    """The unit, one page of its subtree's changes, the base URL and the query of the next (older) page."""
    levels = logic.selected_levels(level, min_level)
    async with pool.acquire() as conn:
        unit = await store.select_unit(conn, unit_id)
        if unit is None:
            raise NotFound("unit_id", f"unknown unit {unit_id}")
        rows = await store.select_feed(conn, unit_id, levels, int(since or 0), int(before or MAX_SEQ), limit + 1)
    base = str(request.base_url).rstrip("/")
    more, rows = len(rows) > limit, rows[:limit]
    params = {k: v for k, v in (("level", level), ("min_level", min_level), ("since", since)) if v}
    next_query = urlencode({**params, "before": rows[-1]["change_seq"], "limit": limit}) if more else None
    return unit, rows, base, next_query


@router.get("/feeds/{unit_id}.json")
async def json_feed(request: Request, pool: Pool, unit_id: str, level: HonorLevel | None = None,
                    min_level: HonorLevel | None = None, since: Cursor = None, before: Cursor = None,
                    limit: int = Query(50, ge=1, le=500),
                    if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """JSON Feed 1.1 of the honorees of a unit's subtree, newest change first, tombstones for revoked ones."""
    unit, rows, base, next_query = await _feed_rows(pool, request, unit_id, level, min_level, since,
                                                            before, limit)
    path = f"{base}/feeds/{unit_id}.json"
    document = feeds.json_feed(f"Sổ ghi danh — {unit['name']}", f"{base}/so-ghi-danh/{unit_id}", str(request.url),
                               rows, feeds.cursor_of(rows) or since or "0",
                               f"{path}?{next_query}" if next_query else None)
    return _answer(request, feeds.encode_json(document), "application/feed+json; charset=utf-8", if_none_match)


@router.get("/feeds/{unit_id}.atom")
async def atom_feed(request: Request, pool: Pool, unit_id: str, level: HonorLevel | None = None,
                    min_level: HonorLevel | None = None, since: Cursor = None, before: Cursor = None,
                    limit: int = Query(50, ge=1, le=500),
                    if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """Atom 1.0 of the same, revoked honors as RFC 6721 deleted entries."""
    unit, rows, base, next_query = await _feed_rows(pool, request, unit_id, level, min_level, since,
                                                            before, limit)
    path = f"{base}/feeds/{unit_id}.atom"
    feed_id = f"urn:neuguong:feed:{unit_id}:{level or ''}:{min_level or ''}"
    body = feeds.atom_feed(f"Sổ ghi danh — {unit['name']}", f"{base}/so-ghi-danh/{unit_id}", str(request.url),
                           feed_id, rows, feeds.cursor_of(rows) or since or "0",
                           f"{path}?{next_query}" if next_query else None)
    return _answer(request, body, "application/atom+xml; charset=utf-8", if_none_match)


@router.get("/so-ghi-danh/{unit_id}", response_class=HTMLResponse)
async def honor_roll(request: Request, pool: Pool, unit_id: str,
                     period: str | None = Query(None, pattern=r"^\d{4}(-(H[12]|Q[1-4]|(0[1-9]|1[0-2])))?$"),
                     level: HonorLevel | None = None,
                     if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """Sổ ghi danh of a unit and its subtree, filterable by period and level, names in Vietnamese order."""
    async with pool.acquire() as conn:
        unit = await store.select_unit(conn, unit_id)
        if unit is None:
            raise NotFound("unit_id", f"unknown unit {unit_id}")
        rows = await store.select_roll(conn, unit_id, logic.selected_levels(level, None), period, ROLL_LIMIT)
        periods = await store.select_roll_periods(conn, unit_id)
    if len(rows) >= ROLL_LIMIT and period is None:
        raise CommandRejected("period", f"more than {ROLL_LIMIT} entries: choose a period")
    html = render_roll(unit["name"], rows, periods, period, level, f"/feeds/{unit_id}")
    return _answer(request, html.encode("utf-8"), "text/html; charset=utf-8", if_none_match)
