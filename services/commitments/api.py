"""HTTP of services/commitments: each command route parses and dispatches; reads answer from the store."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from neuguong.runtime.access import unit_in_reach
from neuguong.runtime.batches import BatchAnswer
from neuguong.runtime.errors import NotFound
from neuguong.runtime.http import Commands, CurrentClock, CurrentPrincipal, Pool
from neuguong.runtime.input import InputId, InputYear, PageCursor
from neuguong.runtime.problems import COMMAND_ANSWERS, QUERY_ANSWERS
from services.commitments import logic, store
from services.commitments.access import CELL_LEADERSHIP, cell_in_reach, member_in_reach
from services.commitments.commands import (
    AmendCommitment,
    AmendCommitmentBody,
    AmendSession,
    AmendSessionBody,
    FileCommitment,
    FileCommitments,
    IssueTopic,
    RateCommitment,
    RateCommitmentBody,
    RecordSelfReflection,
    RecordSelfReflectionBody,
    RecordSession,
    RecordSessions,
    ReportCommitment,
    ReportCommitmentBody,
)
from services.commitments.views import (
    CellSessions,
    CommitmentAnswer,
    MemberCommitments,
    SessionAnswer,
    TopicAnswer,
    UnitCommitments,
    commitment_view,
    history_view,
    session_view,
)

router = APIRouter(tags=["commitments"])
sessions = APIRouter(tags=["sessions"])


@router.post(
    "/commitments/batch",
    status_code=200,
    operation_id="commitments_file_commitments",
    response_model=BatchAnswer,
    responses=COMMAND_ANSWERS,
)
async def file_commitments(command: FileCommitments, commands: Commands) -> JSONResponse:
    """File many commitments (the spreadsheet import's way in): each row `created`, `exists` or `rejected`
    with its reason; a row the token may not act on refuses the whole request (403) and nothing is written."""
    return await commands.run(command)


@router.post(
    "/commitments",
    status_code=201,
    operation_id="commitments_file_commitment",
    response_model=CommitmentAnswer,
    responses=COMMAND_ANSWERS,
)
async def file_commitment(command: FileCommitment, commands: Commands) -> JSONResponse:
    """File a member's commitment for a year (one per member and year; rule 1)."""
    return await commands.run(command)


@router.post(
    "/commitments/{commitment_id}/amendments",
    status_code=201,
    operation_id="commitments_amend_commitment",
    response_model=CommitmentAnswer,
    responses=COMMAND_ANSWERS,
)
async def amend_commitment(commitment_id: InputId, body: AmendCommitmentBody, commands: Commands) -> JSONResponse:
    """A new version of the content; earlier versions stay in the history (rule 1)."""
    return await commands.run(AmendCommitment.of(body, commitment_id=commitment_id))


@router.post(
    "/commitments/{commitment_id}/self-reflections",
    status_code=201,
    operation_id="commitments_record_self_reflection",
    response_model=CommitmentAnswer,
    responses=COMMAND_ANSWERS,
)
async def record_self_reflection(
    commitment_id: InputId, body: RecordSelfReflectionBody, commands: Commands
) -> JSONResponse:
    """The monthly self-review (tự soi, tự sửa): one per month, within the commitment's year."""
    return await commands.run(RecordSelfReflection.of(body, commitment_id=commitment_id))


@router.post(
    "/commitments/{commitment_id}/report",
    status_code=201,
    operation_id="commitments_report_commitment",
    response_model=CommitmentAnswer,
    responses=COMMAND_ANSWERS,
)
async def report_commitment(commitment_id: InputId, body: ReportCommitmentBody, commands: Commands) -> JSONResponse:
    """The year-end report: a result per plan item; the on-time share is computed from them."""
    return await commands.run(ReportCommitment.of(body, commitment_id=commitment_id))


@router.post(
    "/commitments/{commitment_id}/rating",
    status_code=201,
    operation_id="commitments_rate_commitment",
    response_model=CommitmentAnswer,
    responses=COMMAND_ANSWERS,
)
async def rate_commitment(commitment_id: InputId, body: RateCommitmentBody, commands: Commands) -> JSONResponse:
    """The competent unit's rating (rule 3); the cell secretary or a committee above decides it."""
    return await commands.run(RateCommitment.of(body, commitment_id=commitment_id))


@router.get(
    "/members/{member_id}/commitments",
    operation_id="commitments_list_member_commitments",
    response_model=MemberCommitments,
    responses=QUERY_ANSWERS,
)
async def member_commitments(member_id: InputId, pool: Pool, principal: CurrentPrincipal) -> dict:
    """A member's commitments with their whole history: the member and the committees above see it."""
    async with pool.acquire() as conn:
        await member_in_reach(conn, principal, member_id, others=CELL_LEADERSHIP, unknown=NotFound)
        rows = await store.select_member_commitments(conn, member_id)
        history = await store.select_history(conn, [r["commitment_id"] for r in rows])
    return {"member_id": member_id, "commitments": [history_view(row, history) for row in rows]}


@router.get(
    "/units/{unit_id}/commitments",
    operation_id="commitments_list_unit_commitments",
    response_model=UnitCommitments,
    responses=QUERY_ANSWERS,
)
async def unit_commitments(
    unit_id: InputId,
    pool: Pool,
    principal: CurrentPrincipal,
    year: Annotated[InputYear, Query()],
    after: Annotated[PageCursor, Query(description="cursor: the last commitment_id of the previous page")] = "",
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """Commitments of a unit's whole subtree for a year, a page at a time."""
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id, roles=CELL_LEADERSHIP)
        rows, total = await store.select_subtree_page(conn, unit_id, year, after, limit)
    items = [
        {**commitment_view(r), "is_leader": r["is_leader"], "is_head": r["is_head"], "rating": r["rating"]}
        for r in rows
    ]
    return {
        "unit_id": unit_id,
        "year": year,
        "total": total,
        "items": items,
        "next": items[-1]["commitment_id"] if len(items) == limit else None,
    }


@sessions.post(
    "/topics",
    status_code=201,
    operation_id="commitments_issue_topic",
    response_model=TopicAnswer,
    responses=COMMAND_ANSWERS,
)
async def issue_topic(command: IssueTopic, commands: Commands) -> JSONResponse:
    """A committee publishes a thematic topic (chuyên đề) of a year for the cells of its subtree (ThematicTopicIssued);
    a code already in the catalogue is a 409."""
    return await commands.run(command)


@sessions.post(
    "/sessions",
    status_code=201,
    operation_id="commitments_record_session",
    response_model=SessionAnswer,
    responses=COMMAND_ANSWERS,
)
async def record_session(command: RecordSession, commands: Commands) -> JSONResponse:
    """A cell held a session; a second regular session in a month is a 409 (send an amendment)."""
    return await commands.run(command)


@sessions.post(
    "/sessions/batch",
    status_code=200,
    operation_id="commitments_record_sessions",
    response_model=BatchAnswer,
    responses=COMMAND_ANSWERS,
)
async def record_sessions(command: RecordSessions, commands: Commands) -> JSONResponse:
    """Record a cell session book (the spreadsheet import's way in): each row `created`, `exists` or
    `rejected` with its reason; a row the token may not act on refuses the whole request (403)."""
    return await commands.run(command)


@sessions.post(
    "/sessions/{session_id}/amendments",
    status_code=201,
    operation_id="commitments_amend_session",
    response_model=SessionAnswer,
    responses=COMMAND_ANSWERS,
)
async def amend_session(session_id: InputId, body: AmendSessionBody, commands: Commands) -> JSONResponse:
    """Correct a session record; the amended version replaces it (SessionAmended)."""
    return await commands.run(AmendSession.of(body, session_id=session_id))


@sessions.get(
    "/cells/{cell_id}/sessions",
    operation_id="commitments_list_cell_sessions",
    response_model=CellSessions,
    responses=QUERY_ANSWERS,
)
async def cell_sessions(
    cell_id: InputId, pool: Pool, principal: CurrentPrincipal, clock: CurrentClock, year: Annotated[InputYear, Query()]
) -> dict:
    """A cell's sessions of a year, and the months and quarters it missed so far (rule 4)."""
    async with pool.acquire() as conn:
        await cell_in_reach(conn, principal, cell_id)
        rows = await store.select_sessions_of_year(conn, cell_id, year)
    through = logic.months_missed_so_far(year, clock.today())
    missing_regular, missing_thematic = logic.missing_sessions([(r["month"], r["kind"]) for r in rows], year, through)
    return {
        "cell_id": cell_id,
        "year": year,
        "sessions": [session_view(r) for r in rows],
        "missing_regular": missing_regular,
        "missing_thematic": missing_thematic,
    }
