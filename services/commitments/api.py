"""HTTP commands on commitments: file, amend, self-reflect, report, rate."""

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from neuguong.periods import today_local
from neuguong.runtime import outbox
from neuguong.runtime.auth import Forbidden, Principal
from neuguong.runtime.errors import CommandRejected, Conflict, NotFound
from neuguong.runtime.http import CurrentPrincipal, IdempotencyKey, run_command
from neuguong.runtime.idempotency import Answer
from schemas import CommitmentFiled, PlanItem, uuid7
from schemas.commitments import (
    CommitmentAmended,
    CommitmentRated,
    CommitmentReported,
    ItemResult,
    ItemReview,
    SelfReflectionRecorded,
)
from services.commitments import logic, store
from services.commitments.access import CELL_LEADERSHIP, COMMITTEES, member_in_reach
from services.commitments.commands import (
    AmendCommitment,
    CommitmentContent,
    FileCommitment,
    RateCommitment,
    RecordSelfReflection,
    ReportCommitment,
)
from services.commitments.views import commitment_view

router = APIRouter(tags=["commitments"])


def refuse(refusal: logic.Refusal, kind: type[CommandRejected] = CommandRejected) -> None:
    """Raise the refusal a rule returned, if any."""
    if refusal is not None:
        raise kind(*refusal)


def content_of(command: CommitmentContent) -> dict:
    """The stored and published content of a commitment, plan items numbered p1, p2, …"""
    plan = [PlanItem(item_id=f"p{i + 1}", **item.model_dump()) for i, item in enumerate(command.plan)]
    return {"limitations": command.limitations, "plan": [p.model_dump(mode="json") for p in plan],
            "targets": command.targets}


async def commitment_in_reach(conn: asyncpg.Connection, principal: Principal, commitment_id: str,
                              others: tuple[str, ...]):  # noqa: ANN201
    """The locked commitment, its member and unit path, once the principal may act on it."""
    row = await store.lock_commitment(conn, commitment_id)
    if row is None:
        raise NotFound("commitment_id", "unknown commitment")
    member, path = await member_in_reach(conn, principal, row["member_id"], others=others)
    return row, member, path


def answer(status: int, row: asyncpg.Record, envelope, **extra: object) -> Answer:  # noqa: ANN001
    """A command's answer: the commitment as it now stands and the event that recorded the change."""
    return Answer(status, {**commitment_view(row), **extra, "event_id": str(envelope.event_id)})


async def file_one(conn: asyncpg.Connection, meta: outbox.EventMeta, principal: Principal,
                   command: FileCommitment) -> Answer:
    """File one commitment in the caller's transaction (the HTTP command and the spreadsheet import)."""
    member, path = await member_in_reach(conn, principal, command.member_id, others=COMMITTEES)
    refuse(logic.filing_refusal(member, command.year, today_local()))
    content = content_of(command)
    event = CommitmentFiled(commitment_id=str(uuid7()), member_id=member.member_id, cell_id=member.cell_id,
                            year=command.year, is_leader=member.is_leader, is_head=member.is_head, **content)
    row = {"commitment_id": event.commitment_id, "member_id": member.member_id, "cell_id": member.cell_id,
           "year": command.year, "content": content, "filed_by": principal.sub, "is_leader": member.is_leader,
           "is_head": member.is_head, "unit_path": path}
    if not await store.insert_commitment(conn, row):
        existing = await store.select_commitment(conn, member.member_id, command.year)
        raise Conflict("year", f"{member.member_id} already filed a commitment for {command.year}",
                       existing=commitment_view(existing))
    (envelope,) = await outbox.record(conn, meta, (event, path))
    return answer(201, await store.select_commitment_by_id(conn, event.commitment_id), envelope)


@router.post("/commitments", status_code=201)
async def file_commitment(command: FileCommitment, request: Request, principal: CurrentPrincipal,
                          key: IdempotencyKey) -> JSONResponse:
    """File a member's commitment for a year (one per member and year; rule 1)."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        return await file_one(conn, meta, principal, command)

    return await run_command(request, principal, key, "FileCommitment", command.model_dump(mode="json"), work)


@router.post("/commitments/{commitment_id}/amendments", status_code=201)
async def amend_commitment(commitment_id: str, command: AmendCommitment, request: Request,
                           principal: CurrentPrincipal, key: IdempotencyKey) -> JSONResponse:
    """A new version of the content; earlier versions stay in the history (rule 1)."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        row, member, path = await commitment_in_reach(conn, principal, commitment_id, COMMITTEES)
        if command.base_version is not None and command.base_version != row["version"]:
            raise Conflict("base_version", f"the commitment is at version {row['version']}, not {command.base_version}")
        if await store.select_report(conn, commitment_id) is not None:
            raise Conflict("commitment_id", "the commitment was already reported on; it can no longer change")
        version, content = row["version"] + 1, content_of(command)
        await store.amend_commitment(conn, commitment_id, version, content, command.reason, principal.sub)
        event = CommitmentAmended(commitment_id=commitment_id, member_id=member.member_id, cell_id=member.cell_id,
                                  year=row["year"], revision=version, reason=command.reason, **content)
        (envelope,) = await outbox.record(conn, meta, (event, path))
        return answer(201, await store.select_commitment_by_id(conn, commitment_id), envelope)

    return await run_command(request, principal, key, "AmendCommitment",
                             [commitment_id, command.model_dump(mode="json")], work)


@router.post("/commitments/{commitment_id}/self-reflections", status_code=201)
async def record_self_reflection(commitment_id: str, command: RecordSelfReflection, request: Request,
                                 principal: CurrentPrincipal, key: IdempotencyKey) -> JSONResponse:
    """The monthly self-review (tự soi, tự sửa): one per month, within the commitment's year."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        row, member, path = await commitment_in_reach(conn, principal, commitment_id, COMMITTEES)
        refuse(logic.month_refusal("month", command.month, row["year"], today_local()))
        plan_ids = [item["item_id"] for item in row["content"]["plan"]]
        unknown = sorted({r.item_id for r in command.items_reviewed} - set(plan_ids))
        if unknown:
            raise CommandRejected("items_reviewed", f"not in the plan: {', '.join(unknown)}")
        content = command.model_dump(mode="json", exclude={"month"})
        if not await store.insert_reflection(conn, commitment_id, command.month, content, principal.sub):
            existing = await store.select_reflection(conn, commitment_id, command.month)
            raise Conflict("month", f"a self-reflection for {command.month} was already recorded",
                           existing={"month": existing["month"], **existing["content"]})
        event = SelfReflectionRecorded(
            commitment_id=commitment_id, member_id=member.member_id, cell_id=member.cell_id, year=row["year"],
            month=command.month, note=command.note,
            items_reviewed=[ItemReview(**r.model_dump()) for r in command.items_reviewed])
        (envelope,) = await outbox.record(conn, meta, (event, path))
        return answer(201, row, envelope, month=command.month)

    return await run_command(request, principal, key, "RecordSelfReflection",
                             [commitment_id, command.model_dump(mode="json")], work)


@router.post("/commitments/{commitment_id}/report", status_code=201)
async def report_commitment(commitment_id: str, command: ReportCommitment, request: Request,
                            principal: CurrentPrincipal, key: IdempotencyKey) -> JSONResponse:
    """The year-end report: a result per plan item; the on-time share is computed from them."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        row, member, path = await commitment_in_reach(conn, principal, commitment_id, COMMITTEES)
        plan_ids = [item["item_id"] for item in row["content"]["plan"]]
        refuse(logic.results_refusal(plan_ids, [r.item_id for r in command.results]))
        on_time = logic.on_time_percent(plan_ids, [r.item_id for r in command.results if r.done and r.on_time])
        content = command.model_dump(mode="json")
        if not await store.insert_report(conn, commitment_id, content, on_time, command.all_limitations_remedied,
                                         command.self_rating, principal.sub):
            raise Conflict("commitment_id", "the year-end report was already submitted")
        event = CommitmentReported(
            commitment_id=commitment_id, member_id=member.member_id, cell_id=member.cell_id, year=row["year"],
            is_leader=member.is_leader, is_head=member.is_head, on_time_percent=on_time,
            all_limitations_remedied=command.all_limitations_remedied, self_rating=command.self_rating,
            summary=command.summary, results=[ItemResult(**r.model_dump()) for r in command.results])
        (envelope,) = await outbox.record(conn, meta, (event, path))
        return answer(201, row, envelope, on_time_percent=on_time)

    return await run_command(request, principal, key, "ReportCommitment",
                             [commitment_id, command.model_dump(mode="json")], work)


@router.post("/commitments/{commitment_id}/rating", status_code=201)
async def rate_commitment(commitment_id: str, command: RateCommitment, request: Request,
                          principal: CurrentPrincipal, key: IdempotencyKey) -> JSONResponse:
    """The competent unit's rating (rule 3); the cell secretary or a committee above decides it."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        if principal.role == "member":
            raise Forbidden("role: a member cannot rate a commitment, not even their own")
        row, member, path = await commitment_in_reach(conn, principal, commitment_id, CELL_LEADERSHIP)
        if principal.sub == member.member_id:
            raise Forbidden("member_id: nobody rates their own commitment; the competent unit does")
        report = await store.select_report(conn, commitment_id)
        facts = None if report is None else logic.ReportFacts(report["on_time_percent"],
                                                               report["all_limitations_remedied"])
        disciplines = [logic.DisciplineFact(d["discipline_id"], d["measure"], d["decided_on"])
                       for d in await store.select_disciplines(conn, member.member_id)]
        refuse(logic.rating_refusal(command.rating, row["year"], facts, disciplines))
        await store.upsert_rating(conn, commitment_id, command.rating, principal.sub, principal.unit,
                                  command.reason, None)
        event = CommitmentRated(commitment_id=commitment_id, member_id=member.member_id, cell_id=member.cell_id,
                                year=row["year"], rating=command.rating, is_leader=member.is_leader,
                                is_head=member.is_head, rated_by_unit=principal.unit, reason=command.reason)
        (envelope,) = await outbox.record(conn, meta, (event, path))
        return answer(201, row, envelope, rating=command.rating)

    return await run_command(request, principal, key, "RateCommitment",
                             [commitment_id, command.model_dump(mode="json")], work)
