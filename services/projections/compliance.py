"""HTTP compliance lists: cells that missed sessions, units that missed the honor roll, members without a commitment."""

from fastapi import APIRouter, Query

from neuguong.runtime.http import CurrentPrincipal, Pool
from services.projections import compliance_store, logic
from services.projections.access import unit_in_reach

router = APIRouter(prefix="/units/{unit_id}/compliance", tags=["compliance"])
Limit = Query(100, ge=1, le=1000)
Offset = Query(0, ge=0)


def page(rows: list, offset: int, limit: int, **head: object) -> dict:
    """A page of a list, with the list's total and the next offset."""
    total = rows[0]["total"] if rows else 0
    items = [{k: v for k, v in dict(r).items() if k != "total"} for r in rows]
    return {**head, "total": total, "items": items, "next": offset + limit if offset + limit < total else None}


@router.get("/missing-regular-sessions")
async def missing_regular_sessions(unit_id: str, pool: Pool, principal: CurrentPrincipal,
                                   month: str = Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$"), limit: int = Limit,
                                   offset: int = Offset) -> dict:
    """Cells under the unit with no regular session in the month (rule 4)."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id)
        rows = await compliance_store.cells_without_session(conn, unit_id, [month], "regular", limit, offset)
    return page(rows, offset, limit, unit_id=unit_id, month=month)


@router.get("/missing-thematic-sessions")
async def missing_thematic_sessions(unit_id: str, pool: Pool, principal: CurrentPrincipal,
                                    quarter: str = Query(pattern=r"^\d{4}-Q[1-4]$"), limit: int = Limit,
                                    offset: int = Offset) -> dict:
    """Cells under the unit with no thematic session in the quarter (rule 4)."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id)
        rows = await compliance_store.cells_without_session(conn, unit_id, logic.quarter_months(quarter),
                                                            "thematic", limit, offset)
    return page(rows, offset, limit, unit_id=unit_id, quarter=quarter)


@router.get("/missing-honor-roll")
async def missing_honor_roll(unit_id: str, pool: Pool, principal: CurrentPrincipal,
                             period: str = Query(pattern=r"^\d{4}(-(H[12]|Q[1-4]|(0[1-9]|1[0-2])))?$"),
                             limit: int = Limit, offset: int = Offset) -> dict:
    """Units under the unit that owed an honor-roll entry for the period and recorded none (rule 5)."""
    levels = logic.cadence_levels(period)
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id)
        rows = await compliance_store.units_without_honors(conn, unit_id, levels, period, limit, offset)
    return page(rows, offset, limit, unit_id=unit_id, period=period, levels=levels)


@router.get("/members-without-commitment")
async def members_without_commitment(unit_id: str, pool: Pool, principal: CurrentPrincipal,
                                     year: int = Query(ge=2000, le=2100), limit: int = Limit,
                                     offset: int = Offset) -> dict:
    """Members under the unit who owed a commitment for the year (exempt ones left out, rule 2) and filed none."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id)
        rows = await compliance_store.members_without_commitment(conn, unit_id, year, limit, offset)
    return page(rows, offset, limit, unit_id=unit_id, year=year)
