"""HTTP of services/inspections: each command route parses and dispatches; reads answer from the store."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from neuguong.periods import period_bounds
from neuguong.runtime.access import unit_in_reach
from neuguong.runtime.http import Commands, CurrentPrincipal, Pool
from neuguong.runtime.input import InputId, InputPeriod, PageCursor
from neuguong.runtime.problems import COMMAND_ANSWERS, QUERY_ANSWERS
from schemas.inspections import InspectionKind
from services.inspections import store
from services.inspections.access import INSPECTORS, readable_inspection
from services.inspections.commands import (
    ConcludeInspection,
    ConcludeInspectionBody,
    ImposeDiscipline,
    OpenInspection,
)
from services.inspections.views import (
    DisciplineAnswer,
    DisciplinePage,
    Inspection,
    InspectionAnswer,
    InspectionPage,
    discipline_view,
    inspection_view,
)

router = APIRouter(tags=["inspections"])

Unit = Annotated[InputId | None, Query(description="the subtree to list (default: the token's unit)")]
Target = Annotated[InputId | None, Query(description="only findings about this member or unit")]
PeriodFilter = Annotated[
    InputPeriod | None, Query(description="inspections whose period overlaps it; disciplines decided within it")
]
After = Annotated[PageCursor, Query(description="cursor: the `next` of the previous page")]


@router.post(
    "/inspections",
    status_code=201,
    operation_id="inspections_open_inspection",
    response_model=InspectionAnswer,
    responses=COMMAND_ANSWERS,
)
async def open_inspection(command: OpenInspection, commands: Commands) -> JSONResponse:
    """Open an inspection or supervision of a member or organisation in the token's subtree."""
    return await commands.run(command)


@router.post(
    "/inspections/{inspection_id}/conclusion",
    status_code=201,
    operation_id="inspections_conclude_inspection",
    response_model=InspectionAnswer,
    responses=COMMAND_ANSWERS,
)
async def conclude_inspection(inspection_id: InputId, body: ConcludeInspectionBody, commands: Commands) -> JSONResponse:
    """Conclude an open inspection: compliant, shortcomings or violation (once)."""
    return await commands.run(ConcludeInspection.of(body, inspection_id=inspection_id))


@router.post(
    "/disciplines",
    status_code=201,
    operation_id="inspections_impose_discipline",
    response_model=DisciplineAnswer,
    responses=COMMAND_ANSWERS,
)
async def impose_discipline(command: ImposeDiscipline, commands: Commands) -> JSONResponse:
    """Impose a discipline on a member or organisation of the token's subtree."""
    return await commands.run(command)


@router.get(
    "/inspections", operation_id="inspections_list_inspections", response_model=InspectionPage, responses=QUERY_ANSWERS
)
async def list_inspections(
    pool: Pool,
    principal: CurrentPrincipal,
    unit_id: Unit = None,
    target_id: Target = None,
    period: PeriodFilter = None,
    kind: InspectionKind | None = None,
    status: Literal["open", "concluded"] | None = None,
    after: After = "",
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """Inspections and supervisions of a unit's whole subtree, a page at a time (oldest first)."""
    unit_id = unit_id or principal.unit
    bounds = period_bounds(period) if period else None
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, roles=INSPECTORS)
        rows = await store.select_inspections(
            conn, unit_id, after, limit, target_id=target_id, bounds=bounds, kind=kind, status=status
        )
    items = [inspection_view(r) for r in rows]
    return {"unit_id": unit_id, "items": items, "next": items[-1]["inspection_id"] if len(items) == limit else None}


@router.get(
    "/inspections/{inspection_id}",
    operation_id="inspections_get_inspection",
    response_model=Inspection,
    responses=QUERY_ANSWERS,
)
async def get_inspection(inspection_id: InputId, pool: Pool, principal: CurrentPrincipal) -> dict:
    """One inspection, for inspectors and committees above its target."""
    async with pool.acquire() as conn:
        return inspection_view(await readable_inspection(conn, principal, inspection_id))


@router.get(
    "/disciplines", operation_id="inspections_list_disciplines", response_model=DisciplinePage, responses=QUERY_ANSWERS
)
async def list_disciplines(
    pool: Pool,
    principal: CurrentPrincipal,
    unit_id: Unit = None,
    target_id: Target = None,
    period: PeriodFilter = None,
    after: After = "",
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """Disciplines of a unit's whole subtree, a page at a time (oldest first)."""
    unit_id = unit_id or principal.unit
    bounds = period_bounds(period) if period else None
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, roles=INSPECTORS)
        rows = await store.select_disciplines(conn, unit_id, after, limit, target_id=target_id, bounds=bounds)
    items = [discipline_view(r) for r in rows]
    return {"unit_id": unit_id, "items": items, "next": items[-1]["discipline_id"] if len(items) == limit else None}
