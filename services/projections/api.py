"""HTTP figures and reports of services/projections."""

from typing import Literal

from fastapi import APIRouter, Query, Response

from neuguong.runtime.http import CurrentPrincipal, Pool
from schemas.text import PERIOD_PATTERN
from services.projections import store
from services.projections.access import unit_in_reach
from services.projections.narrative import narrative
from services.projections.workbook import report_workbook

router = APIRouter(tags=["figures"])
PeriodQuery = Query(pattern=PERIOD_PATTERN, description="2026, 2026-H1, 2026-Q2 or 2026-05")
StructureQuery = Query("historical", description="historical: as the units were then; current: merged units added in")


async def unit_figures_view(conn, unit_id: str, period: str, structure: str) -> dict:  # noqa: ANN001
    """A unit's figures over its subtree, and each child's, in the historical or the current structure."""
    unit = await store.select_unit(conn, unit_id)
    merged = await store.select_merged_units(conn, unit_id) if structure == "current" else [unit_id]
    figures = await store.select_summed_figures(conn, merged, period)
    children: dict[str, dict] = {}
    for row in await store.select_children_figures(conn, unit_id, period):
        child = children.setdefault(
            row["unit_id"], {"unit_id": row["unit_id"], "name": row["name"], "level": row["level"], "figures": {}})
        if row["figure"] is not None:
            child["figures"][row["figure"]] = row["value"]
    return {"unit_id": unit_id, "name": unit["name"], "level": unit["level"], "period": period,
            "structure": structure, "merged_units": merged, "figures": figures, "children": list(children.values())}


@router.get("/units/{unit_id}/figures")
async def unit_figures(unit_id: str, pool: Pool, principal: CurrentPrincipal, period: str = PeriodQuery,
                       structure: Literal["historical", "current"] = StructureQuery) -> dict:
    """A unit's figures over its whole subtree for a period, with each child's for drill-down."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id)
        return await unit_figures_view(conn, unit_id, period, structure)


@router.get("/units/{unit_id}/report")
async def unit_report(unit_id: str, pool: Pool, principal: CurrentPrincipal, period: str = PeriodQuery,
                      structure: Literal["historical", "current"] = StructureQuery) -> dict:
    """The figures as JSON together with the Vietnamese narrative."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id)
        view = await unit_figures_view(conn, unit_id, period, structure)
    return {**view, "narrative": narrative(view["name"], period, view["figures"])}


@router.get("/units/{unit_id}/report.xlsx")
async def unit_report_workbook(unit_id: str, pool: Pool, principal: CurrentPrincipal,
                               period: str = PeriodQuery) -> Response:
    """The figures of every unit of the subtree as an XLSX workbook, one sheet per level."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id)
        units = await store.select_subtree_units(conn, unit_id)
        figures = await store.select_figures_of_units(conn, [u["unit_id"] for u in units], period)
    body = report_workbook(units[0]["name"], period, [dict(u) for u in units], figures)
    filename = f"bao-cao-{unit_id}-{period}.xlsx"
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
