"""HTTP reads of services/honors: a subtree's roll, a subject's honors and eligibility, nominations."""

from typing import Literal

from fastapi import APIRouter, Query

from neuguong.periods import today_local
from neuguong.runtime.errors import NotFound
from neuguong.runtime.http import CurrentPrincipal, Pool
from schemas.honors import HonorLevel, SubjectKind
from schemas.text import PERIOD_PATTERN
from services.honors import store
from services.honors.access import READERS_OF_FINDINGS, RECORDERS, find_subject, unit_in_reach
from neuguong.periods import period_bounds
from services.honors.roll import eligibility
from services.honors.views import honor_view, nomination_view

router = APIRouter(tags=["honors"])
AfterQuery = Query("", description="cursor: the `next` of the previous page")


@router.get("/honors")
async def list_honors(
    pool: Pool, principal: CurrentPrincipal, unit_id: str | None = Query(None, description="default: token's unit"),
    period: str | None = Query(None, pattern=PERIOD_PATTERN, description="honors whose period lies within it"),
    level: HonorLevel | None = None, include_revoked: bool = False, after: str = AfterQuery,
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """The honor roll of a unit's whole subtree, a page at a time (oldest entry first)."""
    unit_id = unit_id or principal.unit
    bounds = period_bounds(period) if period else None
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, NotFound)
        rows = await store.select_subtree_page(conn, unit_id, after, limit, bounds=bounds, level=level,
                                               revoked=include_revoked)
    items = [honor_view(r, findings=principal.role in READERS_OF_FINDINGS) for r in rows]
    return {"unit_id": unit_id, "items": items, "next": items[-1]["honor_id"] if len(items) == limit else None}


@router.get("/honors/{honor_id}")
async def get_honor(honor_id: str, pool: Pool, principal: CurrentPrincipal) -> dict:
    """One entry of the roll, revoked or not."""
    async with pool.acquire() as conn:
        row = await store.select_honor(conn, honor_id)
    if row is None:
        raise NotFound("honor_id", "unknown honor")
    principal.require_subtree(list(row["unit_path"]))
    return honor_view(row, findings=principal.role in READERS_OF_FINDINGS)


@router.get("/subjects/{kind}/{subject_id}/honors")
async def subject_honors(kind: SubjectKind, subject_id: str, pool: Pool, principal: CurrentPrincipal) -> dict:
    """Every honor of a member or unit, revoked ones included, latest-ending period first."""
    async with pool.acquire() as conn:
        subject = await find_subject(conn, kind, subject_id, NotFound)
        principal.require_subtree(subject.unit_path)
        rows = await store.select_subject_honors(conn, subject_id)
    items = [honor_view(r, findings=principal.role in READERS_OF_FINDINGS) for r in rows]
    return {"subject": {"kind": kind, "id": subject_id, "name": subject.name}, "items": items}


@router.get("/subjects/{kind}/{subject_id}/eligibility")
async def subject_eligibility(kind: SubjectKind, subject_id: str, pool: Pool, principal: CurrentPrincipal,
                              period: str = Query(pattern=PERIOD_PATTERN)) -> dict:
    """Whether the subject could be honored for `period` today, and every reason why not (rule 6)."""
    principal.require_role(*READERS_OF_FINDINGS)
    async with pool.acquire() as conn:
        subject = await find_subject(conn, kind, subject_id, NotFound)
        principal.require_subtree(subject.unit_path)
        verdict = await eligibility(conn, kind, subject_id, period, today_local())
    return {"subject": {"kind": kind, "id": subject_id}, "period": period, "eligible": bool(verdict),
            "reasons": [r.as_dict() for r in verdict.reasons]}


@router.get("/nominations")
async def list_nominations(
    pool: Pool, principal: CurrentPrincipal, status: Literal["pending", "approved", "rejected"] | None = None,
    after: str = AfterQuery, limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """Nominations the token's unit made or must decide, a page at a time."""
    principal.require_role(*RECORDERS)
    async with pool.acquire() as conn:
        rows = await store.select_nominations_page(conn, principal.unit, status, after, limit)
    items = [nomination_view(r) for r in rows]
    return {"unit_id": principal.unit, "items": items,
            "next": items[-1]["nomination_id"] if len(items) == limit else None}
