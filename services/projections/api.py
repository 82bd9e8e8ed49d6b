"""HTTP of services/projections, reads only: a unit's figures and reports (`router`), and the compliance
lists of who under it missed what (`compliance`). Each route checks reach, reads the store, shapes a view."""

from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Query, Response

from neuguong.cadence import levels_recording
from neuguong.periods import previous_year_span, span_bounds, span_periods
from neuguong.runtime import directory
from neuguong.runtime.access import unit_in_reach
from neuguong.runtime.http import CurrentPrincipal, Pool
from neuguong.runtime.input import InputId, InputMonth, InputPeriod, InputQuarter, InputSpan, InputYear
from neuguong.runtime.problems import QUERY_ANSWERS
from services.projections import facts, logic, store
from services.projections.access import READERS
from services.projections.narrative import narrative
from services.projections.views import (
    MembersPage,
    UnitFigures,
    UnitReport,
    UnitsPage,
    page,
    unit_figures_view,
)
from services.projections.workbook import report_workbook

router = APIRouter(tags=["figures"])
compliance = APIRouter(prefix="/units/{unit_id}/compliance", tags=["compliance"])
PeriodParam = Annotated[InputPeriod, Query(description="2026, 2026-H1, 2026-Q2 or 2026-05")]
SpanParam = Annotated[
    InputSpan, Query(description="a period (2026, 2026-H1, 2026-Q2, 2026-05) or a range of one kind: 2025..2026")
]
StructureQuery = Query("historical", description="historical: as the units were then; current: merged units added in")
Limit = Query(100, ge=1, le=1000)
MAX_OFFSET = 10_000_000
"""Past every list a province or the country can have; a bigger offset is a 422, never a database overflow."""
Offset = Query(0, ge=0, le=MAX_OFFSET)


class WorkbookResponse(Response):
    """An Office Open XML workbook."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def span_figures(conn: asyncpg.Connection, groups: dict[str, list[str]], span: str) -> dict[str, dict[str, int]]:
    """Each group's figures over the span: the counters of its units over every period of the span added up, its
    distinct counts, and the denominators of the directory as it stood at the span's end; by group key."""
    found = await facts.select_span_facts(conn, groups, span_periods(span), span_bounds(span))
    return {key: logic.fact_figures(rows) for key, rows in found.items()}


async def figures_of(conn: asyncpg.Connection, unit_id: str, span: str, structure: str) -> dict:
    """A unit's figures over its subtree for a span, in the historical or the current structure, with its last
    period beside the same period a year before and each child's figures."""
    unit = await directory.find_unit(conn, unit_id)
    merged = await store.select_merged_units(conn, unit_id) if structure == "current" else [unit_id]
    children = [dict(child) for child in await store.select_children(conn, unit_id)]
    everyone = await span_figures(conn, {unit_id: merged, **{c["unit_id"]: [c["unit_id"]] for c in children}}, span)
    figures = everyone[unit_id]
    last, previous = span_periods(span)[-1], previous_year_span(span)
    latest = figures if last == span else (await span_figures(conn, {unit_id: merged}, last))[unit_id]
    compared = {last: latest, previous: (await span_figures(conn, {unit_id: merged}, previous))[unit_id]}
    children = [{**child, "figures": everyone[child["unit_id"]]} for child in children]
    found = await facts.select_honored_then_found(conn, merged, span_bounds(span))
    topics = await facts.select_topics(conn, merged, span_bounds(span))
    return unit_figures_view(unit, span, structure, merged, figures, compared, children, found, topics)


@router.get(
    "/units/{unit_id}/figures",
    operation_id="projections_read_unit_figures",
    response_model=UnitFigures,
    responses=QUERY_ANSWERS,
)
async def unit_figures(
    unit_id: InputId,
    pool: Pool,
    principal: CurrentPrincipal,
    period: SpanParam,
    structure: Literal["historical", "current"] = StructureQuery,
) -> dict:
    """A unit's figures over its whole subtree for a period or a range of periods, with each child's for
    drill-down, the shares, the year-on-year comparison and what does not add up."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, roles=READERS)
        return await figures_of(conn, unit_id, period, structure)


@router.get(
    "/units/{unit_id}/report",
    operation_id="projections_read_unit_report",
    response_model=UnitReport,
    responses=QUERY_ANSWERS,
)
async def unit_report(
    unit_id: InputId,
    pool: Pool,
    principal: CurrentPrincipal,
    period: SpanParam,
    structure: Literal["historical", "current"] = StructureQuery,
) -> dict:
    """The figures as JSON together with the Vietnamese narrative."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, roles=READERS)
        view = await figures_of(conn, unit_id, period, structure)
    return {**view, "narrative": narrative(view)}


@router.get(
    "/units/{unit_id}/report.xlsx",
    operation_id="projections_read_unit_report_workbook",
    response_class=WorkbookResponse,
    responses={
        200: {
            "description": "An XLSX workbook (Content-Disposition: attachment)",
            "content": {WorkbookResponse.media_type: {"schema": {"type": "string", "format": "binary"}}},
        },
        **QUERY_ANSWERS,
    },
)
async def unit_report_workbook(
    unit_id: InputId, pool: Pool, principal: CurrentPrincipal, period: SpanParam
) -> Response:
    """The report as an XLSX workbook: every figure of the narrative, the narrative, what does not add up, the
    child units with a chart of them, and one sheet per level of the subtree."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, roles=READERS)
        view = await figures_of(conn, unit_id, period, "historical")
        units = await store.select_subtree_units(conn, unit_id)
        figures = await store.select_figures_of_units(conn, [u["unit_id"] for u in units], span_periods(period))
    body = report_workbook(view, narrative(view), [dict(u) for u in units], figures)
    filename = f"bao-cao-{unit_id}-{period.replace('..', '_')}.xlsx"
    return WorkbookResponse(
        body,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@compliance.get(
    "/missing-regular-sessions",
    operation_id="projections_list_missing_regular_sessions",
    response_model=UnitsPage,
    responses=QUERY_ANSWERS,
)
async def missing_regular_sessions(
    unit_id: InputId,
    pool: Pool,
    principal: CurrentPrincipal,
    month: Annotated[InputMonth, Query()],
    limit: int = Limit,
    offset: int = Offset,
) -> dict:
    """Cells under the unit with no regular session in the month (rule 4)."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, roles=READERS)
        rows = await store.cells_without_session(conn, unit_id, [month], "regular", limit, offset)
    return page(rows, offset, limit, unit_id=unit_id, month=month)


@compliance.get(
    "/missing-thematic-sessions",
    operation_id="projections_list_missing_thematic_sessions",
    response_model=UnitsPage,
    responses=QUERY_ANSWERS,
)
async def missing_thematic_sessions(
    unit_id: InputId,
    pool: Pool,
    principal: CurrentPrincipal,
    quarter: Annotated[InputQuarter, Query()],
    limit: int = Limit,
    offset: int = Offset,
) -> dict:
    """Cells under the unit with no thematic session in the quarter (rule 4)."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, roles=READERS)
        rows = await store.cells_without_session(
            conn, unit_id, logic.quarter_months(quarter), "thematic", limit, offset
        )
    return page(rows, offset, limit, unit_id=unit_id, quarter=quarter)


@compliance.get(
    "/missing-honor-roll",
    operation_id="projections_list_missing_honor_roll",
    response_model=UnitsPage,
    responses=QUERY_ANSWERS,
)
async def missing_honor_roll(
    unit_id: InputId,
    pool: Pool,
    principal: CurrentPrincipal,
    period: PeriodParam,
    limit: int = Limit,
    offset: int = Offset,
) -> dict:
    """Units under the unit that owed an honor-roll entry for the period and recorded none (rule 5, read from
    the one cadence table services/honors records by)."""
    levels = levels_recording(period)
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, roles=READERS)
        rows = await store.units_without_honors(conn, unit_id, levels, period, limit, offset)
    return page(rows, offset, limit, unit_id=unit_id, period=period, levels=levels)


@compliance.get(
    "/members-without-commitment",
    operation_id="projections_list_members_without_commitment",
    response_model=MembersPage,
    responses=QUERY_ANSWERS,
)
async def members_without_commitment(
    unit_id: InputId,
    pool: Pool,
    principal: CurrentPrincipal,
    year: Annotated[InputYear, Query()],
    limit: int = Limit,
    offset: int = Offset,
) -> dict:
    """Members under the unit who owed a commitment for the year (exempt ones left out, rule 2) and filed none."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, roles=READERS)
        rows = await store.members_without_commitment(conn, unit_id, year, limit, offset)
    return page(rows, offset, limit, unit_id=unit_id, year=year)
