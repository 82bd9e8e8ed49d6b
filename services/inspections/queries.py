"""HTTP reads of services/inspections: a subtree's inspections and disciplines, by target and period."""

from typing import Literal

from fastapi import APIRouter, Query

from neuguong.periods import period_bounds
from neuguong.runtime.errors import NotFound
from neuguong.runtime.http import CurrentPrincipal, Pool
from schemas.inspections import InspectionKind
from schemas.text import PERIOD_PATTERN
from services.inspections import store
from services.inspections.access import INSPECTORS, unit_in_reach
from services.inspections.views import discipline_view, inspection_view

router = APIRouter(tags=["inspections"])

UnitQuery = Query(None, description="the subtree to list (default: the token's unit)")
TargetQuery = Query(None, description="only findings about this member or unit")
PeriodQuery = Query(None, pattern=PERIOD_PATTERN, description="inspections whose period overlaps it; "
                                                              "disciplines decided within it")
AfterQuery = Query("", description="cursor: the `next` of the previous page")


@router.get("/inspections")
async def list_inspections(
    pool: Pool, principal: CurrentPrincipal, unit_id: str | None = UnitQuery, target_id: str | None = TargetQuery,
    period: str | None = PeriodQuery, kind: InspectionKind | None = None,
    status: Literal["open", "concluded"] | None = None, after: str = AfterQuery,
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """Inspections and supervisions of a unit's whole subtree, a page at a time (oldest first)."""
    unit_id = unit_id or principal.unit
    bounds = period_bounds(period) if period else None
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, NotFound)
        rows = await store.select_inspections(conn, unit_id, after, limit, target_id=target_id, bounds=bounds,
                                              kind=kind, status=status)
    items = [inspection_view(r) for r in rows]
    return {"unit_id": unit_id, "items": items, "next": items[-1]["inspection_id"] if len(items) == limit else None}


@router.get("/inspections/{inspection_id}")
async def get_inspection(inspection_id: str, pool: Pool, principal: CurrentPrincipal) -> dict:
    """One inspection, for inspectors and committees above its target."""
    principal.require_role(*INSPECTORS)
    async with pool.acquire() as conn:
        row = await store.select_inspection(conn, inspection_id)
    if row is None:
        raise NotFound("inspection_id", "unknown inspection")
    principal.require_subtree(list(row["unit_path"]))
    return inspection_view(row)


@router.get("/disciplines")
async def list_disciplines(
    pool: Pool, principal: CurrentPrincipal, unit_id: str | None = UnitQuery, target_id: str | None = TargetQuery,
    period: str | None = PeriodQuery, after: str = AfterQuery, limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """Disciplines of a unit's whole subtree, a page at a time (oldest first)."""
    unit_id = unit_id or principal.unit
    bounds = period_bounds(period) if period else None
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, NotFound)
        rows = await store.select_disciplines(conn, unit_id, after, limit, target_id=target_id, bounds=bounds)
    items = [discipline_view(r) for r in rows]
    return {"unit_id": unit_id, "items": items, "next": items[-1]["discipline_id"] if len(items) == limit else None}
