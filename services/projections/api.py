"""HTTP queries of services/projections."""

from fastapi import APIRouter, Query

from neuguong.runtime import directory
from neuguong.runtime.errors import NotFound
from neuguong.runtime.http import CurrentPrincipal, Pool
from schemas.text import PERIOD_PATTERN
from services.projections import store

router = APIRouter(tags=["figures"])


@router.get("/units/{unit_id}/figures")
async def unit_figures(
    unit_id: str, pool: Pool, principal: CurrentPrincipal, period: str = Query(pattern=PERIOD_PATTERN)
) -> dict:
    """A unit's figures over its whole subtree for a period, with each child's for drill-down."""
    async with pool.acquire() as conn:
        unit = await store.select_unit(conn, unit_id)
        if unit is None:
            raise NotFound("unit_id", f"unknown unit {unit_id}")
        principal.require_subtree(await directory.unit_path(conn, unit_id))
        figures = await store.select_figures(conn, unit_id, period)
        rows = await store.select_children_figures(conn, unit_id, period)
    children: dict[str, dict] = {}
    for row in rows:
        child = children.setdefault(
            row["unit_id"], {"unit_id": row["unit_id"], "name": row["name"], "level": row["level"], "figures": {}}
        )
        if row["figure"] is not None:
            child["figures"][row["figure"]] = row["value"]
    return {"unit_id": unit_id, "name": unit["name"], "level": unit["level"], "period": period,
            "figures": figures, "children": list(children.values())}
