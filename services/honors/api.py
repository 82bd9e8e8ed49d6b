"""HTTP of services/honors: each command route parses and dispatches; reads answer from the store."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from neuguong.periods import period_bounds
from neuguong.runtime.access import unit_in_reach
from neuguong.runtime.batches import BatchAnswer
from neuguong.runtime.errors import NotFound
from neuguong.runtime.http import Commands, CurrentClock, CurrentPrincipal, Pool
from neuguong.runtime.input import InputId, InputPeriod, PageCursor
from neuguong.runtime.problems import COMMAND_ANSWERS, QUERY_ANSWERS
from schemas.honors import HonorLevel, SubjectKind
from services.honors import store
from services.honors.access import READERS_OF_FINDINGS, RECORDERS, find_subject
from services.honors.commands import (
    ApproveNomination,
    ApproveNominationBody,
    NominateHonor,
    RecordHonor,
    RecordHonors,
    RejectNomination,
    RejectNominationBody,
    RevokeHonor,
    RevokeHonorBody,
)
from services.honors.eligibility import is_eligible_for_honor
from services.honors.views import (
    EligibilityAnswer,
    Honor,
    HonorAnswer,
    HonorPage,
    NominationAnswer,
    NominationPage,
    SubjectHonors,
    honor_view,
    nomination_view,
)

router = APIRouter(tags=["honors"])
nominations = APIRouter(tags=["nominations"])
After = Annotated[PageCursor, Query(description="cursor: the `next` of the previous page")]


@router.post(
    "/honors",
    status_code=201,
    operation_id="honors_record_honor",
    response_model=HonorAnswer,
    responses=COMMAND_ANSWERS,
)
async def record_honor(command: RecordHonor, commands: Commands) -> JSONResponse:
    """Write an honor on the roll of the token's unit, whose level it takes (rules 5–7)."""
    return await commands.run(command)


@router.post(
    "/honors/batch",
    status_code=200,
    operation_id="honors_record_honors",
    response_model=BatchAnswer,
    responses=COMMAND_ANSWERS,
)
async def record_honors(command: RecordHonors, commands: Commands) -> JSONResponse:
    """Write an honor roll brought in from paper (the spreadsheet import's way in): each row `created`,
    `exists` or `rejected` with its reason (and the eligibility gate's reasons); a row for another unit's
    roll refuses the whole request (403)."""
    return await commands.run(command)


@router.post(
    "/honors/{honor_id}/revocation",
    status_code=201,
    operation_id="honors_revoke_honor",
    response_model=HonorAnswer,
    responses=COMMAND_ANSWERS,
)
async def revoke_honor(honor_id: InputId, body: RevokeHonorBody, commands: Commands) -> JSONResponse:
    """An operator takes an honor of its subtree off the roll, saying why; its publicity is retracted."""
    return await commands.run(RevokeHonor.of(body, honor_id=honor_id))


@router.get("/honors", operation_id="honors_list_honors", response_model=HonorPage, responses=QUERY_ANSWERS)
async def list_honors(
    pool: Pool,
    principal: CurrentPrincipal,
    unit_id: Annotated[InputId | None, Query(description="default: token's unit")] = None,
    period: Annotated[InputPeriod | None, Query(description="honors whose period lies within it")] = None,
    level: HonorLevel | None = None,
    include_revoked: bool = False,
    after: After = "",
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """The honor roll of a unit's whole subtree, a page at a time (oldest entry first)."""
    unit_id = unit_id or principal.unit
    bounds = period_bounds(period) if period else None
    async with pool.acquire() as conn:
        await unit_in_reach(conn, principal, unit_id)
        rows = await store.select_subtree_page(
            conn, unit_id, after, limit, bounds=bounds, level=level, revoked=include_revoked
        )
    items = [honor_view(r, findings=principal.role in READERS_OF_FINDINGS) for r in rows]
    return {"unit_id": unit_id, "items": items, "next": items[-1]["honor_id"] if len(items) == limit else None}


@router.get("/honors/{honor_id}", operation_id="honors_get_honor", response_model=Honor, responses=QUERY_ANSWERS)
async def get_honor(honor_id: InputId, pool: Pool, principal: CurrentPrincipal) -> dict:
    """One entry of the roll, revoked or not."""
    async with pool.acquire() as conn:
        row = await store.select_honor(conn, honor_id)
    if row is None:
        raise NotFound("honor_id", "unknown honor")
    principal.require_subtree(list(row["unit_path"]))
    return honor_view(row, findings=principal.role in READERS_OF_FINDINGS)


@router.get(
    "/subjects/{kind}/{subject_id}/honors",
    operation_id="honors_list_subject_honors",
    response_model=SubjectHonors,
    responses=QUERY_ANSWERS,
)
async def subject_honors(kind: SubjectKind, subject_id: InputId, pool: Pool, principal: CurrentPrincipal) -> dict:
    """Every honor of a member or unit, revoked ones included: latest-ending period first, then the longer."""
    async with pool.acquire() as conn:
        subject = await find_subject(conn, kind, subject_id, NotFound)
        principal.require_subtree(subject.unit_path)
        rows = await store.select_subject_honors(conn, subject_id)
    items = [honor_view(r, findings=principal.role in READERS_OF_FINDINGS) for r in rows]
    return {"subject": {"kind": kind, "id": subject_id, "name": subject.name}, "items": items}


@router.get(
    "/subjects/{kind}/{subject_id}/eligibility",
    operation_id="honors_check_subject_eligibility",
    response_model=EligibilityAnswer,
    responses=QUERY_ANSWERS,
)
async def subject_eligibility(
    kind: SubjectKind,
    subject_id: InputId,
    pool: Pool,
    principal: CurrentPrincipal,
    clock: CurrentClock,
    period: Annotated[InputPeriod, Query()],
) -> dict:
    """Whether the subject could be honored for `period` today, and every reason why not (rule 6)."""
    principal.require_role(*READERS_OF_FINDINGS)
    async with pool.acquire() as conn:
        subject = await find_subject(conn, kind, subject_id, NotFound)
        principal.require_subtree(subject.unit_path)
        findings = await store.select_findings(conn, subject_id)
    verdict = is_eligible_for_honor(kind, findings, period, clock.today())
    return {
        "subject": {"kind": kind, "id": subject_id},
        "period": period,
        "eligible": bool(verdict),
        "reasons": [r.as_dict() for r in verdict.reasons],
    }


@nominations.post(
    "/nominations",
    status_code=201,
    operation_id="honors_nominate_honor",
    response_model=NominationAnswer,
    responses=COMMAND_ANSWERS,
)
async def nominate_honor(command: NominateHonor, commands: Commands) -> JSONResponse:
    """Propose a subject of the token's unit for the roll of the unit directly above it."""
    return await commands.run(command)


@nominations.post(
    "/nominations/{nomination_id}/approval",
    status_code=201,
    operation_id="honors_approve_nomination",
    response_model=HonorAnswer,
    responses=COMMAND_ANSWERS,
)
async def approve_nomination(nomination_id: InputId, body: ApproveNominationBody, commands: Commands) -> JSONResponse:
    """The unit above approves: eligibility is checked again today, then the honor is recorded."""
    return await commands.run(ApproveNomination.of(body, nomination_id=nomination_id))


@nominations.post(
    "/nominations/{nomination_id}/rejection",
    status_code=201,
    operation_id="honors_reject_nomination",
    response_model=NominationAnswer,
    responses=COMMAND_ANSWERS,
)
async def reject_nomination(nomination_id: InputId, body: RejectNominationBody, commands: Commands) -> JSONResponse:
    """The unit above turns the nomination down, with its reason."""
    return await commands.run(RejectNomination.of(body, nomination_id=nomination_id))


@nominations.get(
    "/nominations", operation_id="honors_list_nominations", response_model=NominationPage, responses=QUERY_ANSWERS
)
async def list_nominations(
    pool: Pool,
    principal: CurrentPrincipal,
    status: Literal["pending", "approved", "rejected"] | None = None,
    after: After = "",
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    """Nominations the token's unit made or must decide, a page at a time."""
    principal.require_role(*RECORDERS)
    async with pool.acquire() as conn:
        rows = await store.select_nominations_page(conn, principal.unit, status, after, limit)
    items = [nomination_view(r) for r in rows]
    return {
        "unit_id": principal.unit,
        "items": items,
        "next": items[-1]["nomination_id"] if len(items) == limit else None,
    }
