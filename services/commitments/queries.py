"""HTTP reads of services/commitments: a member's history, a subtree's commitments."""

from fastapi import APIRouter, Query

from neuguong.runtime.errors import NotFound
from neuguong.runtime.http import CurrentPrincipal, Pool
from services.commitments import store
from services.commitments.access import CELL_LEADERSHIP, member_in_reach, unit_in_reach
from services.commitments.views import commitment_view, history_view

router = APIRouter(tags=["commitments"])


@router.get("/members/{member_id}/commitments")
async def member_commitments(member_id: str, pool: Pool, principal: CurrentPrincipal) -> dict:
    """A member's commitments with their whole history: the member and the committees above see it."""
    async with pool.acquire() as conn:
        await member_in_reach(conn, principal, member_id, others=CELL_LEADERSHIP, unknown=NotFound)
        rows = await store.select_member_commitments(conn, member_id)
        history = await store.select_history(conn, [r["commitment_id"] for r in rows])
    return {"member_id": member_id, "commitments": [history_view(row, history) for row in rows]}


@router.get("/units/{unit_id}/commitments")
async def unit_commitments(
    unit_id: str, pool: Pool, principal: CurrentPrincipal, year: int = Query(ge=2000, le=2100),
    after: str = Query("", description="cursor: the last commitment_id of the previous page"),
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """Commitments of a unit's whole subtree for a year, a page at a time."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, NotFound)
        rows, total = await store.select_subtree_page(conn, unit_id, year, after, limit)
    items = [{**commitment_view(r), "is_leader": r["is_leader"], "is_head": r["is_head"], "rating": r["rating"]}
             for r in rows]
    return {"unit_id": unit_id, "year": year, "total": total, "items": items,
            "next": items[-1]["commitment_id"] if len(items) == limit else None}
