"""Nominations up a level: a lower unit proposes, the unit directly above approves or rejects."""

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from neuguong.periods import today_local
from neuguong.runtime import outbox
from neuguong.runtime.auth import Forbidden, Principal
from neuguong.runtime.errors import CommandRejected, Conflict, NotFound
from neuguong.runtime.http import CurrentPrincipal, IdempotencyKey, run_command
from neuguong.runtime.idempotency import Answer
from schemas import HonorSubject, uuid7
from schemas.honors import HonorNominated, HonorRejected
from services.honors import logic, store
from services.honors import roll as honor_roll
from services.honors.access import RECORDERS, find_subject, own_roll, roll_of
from services.honors.commands import ApproveNomination, NominateHonor, RejectNomination
from services.honors.views import nomination_view

router = APIRouter(tags=["nominations"])


async def pending_for(conn: asyncpg.Connection, principal: Principal, nomination_id: str) -> asyncpg.Record:
    """The locked pending nomination, once the principal is the committee of the unit that decides it."""
    principal.require_role(*RECORDERS)
    row = await store.lock_nomination(conn, nomination_id)
    if row is None:
        raise NotFound("nomination_id", "unknown nomination")
    if principal.unit != row["recording_unit_id"]:
        raise Forbidden(f"nomination_id: only {row['recording_unit_id']} decides this nomination")
    if row["status"] != "pending":
        raise Conflict("nomination_id", f"already {row['status']}", existing=nomination_view(row))
    return row


def subject_of(row: asyncpg.Record) -> HonorSubject:
    """The nominated subject as events carry it."""
    return HonorSubject(kind=row["subject_kind"], id=row["subject_id"], name=row["subject_name"])


@router.post("/nominations", status_code=201)
async def nominate(command: NominateHonor, request: Request, principal: CurrentPrincipal,
                   key: IdempotencyKey) -> JSONResponse:
    """Propose a subject of the token's unit for the roll of the unit directly above it."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        today = today_local()
        proposing = await own_roll(conn, principal, command.proposing_unit_id, "proposing_unit_id")
        above = logic.receiving_unit(proposing.unit_path)
        if above is None:
            raise CommandRejected("proposing_unit_id", f"{proposing.unit_id} has no unit above it to nominate to")
        receiver = await roll_of(conn, above)
        honor_roll.check_cadence(receiver, command.period, today)
        subject = await find_subject(conn, command.subject.kind, command.subject.id)
        if proposing.unit_id not in subject.unit_path:
            raise CommandRejected("subject.id", f"not in the subtree of the proposing unit {proposing.unit_id}")
        honor_roll.check_subject(subject, receiver)
        await honor_roll.refuse_if_on_roll(conn, subject, receiver.level, command.period)
        await honor_roll.check_eligible(conn, subject, command.period, today)
        content = command.model_dump(mode="json", include={"period", "deed", "evidence", "proposed_by",
                                                           "consent_to_publish"})
        event = HonorNominated(subject=HonorSubject(kind=subject.kind, id=subject.id, name=subject.name),
                               nomination_id=str(uuid7()), proposing_unit_id=proposing.unit_id,
                               recording_unit_id=receiver.unit_id, level=receiver.level, **content)
        row = {**content, "nomination_id": event.nomination_id, "subject_kind": subject.kind,
               "subject_id": subject.id, "subject_name": subject.name, "proposing_unit_id": proposing.unit_id,
               "recording_unit_id": receiver.unit_id, "level": receiver.level, "unit_path": subject.unit_path,
               "nominated_by": principal.sub}
        if not await store.insert_nomination(conn, row):
            existing = await store.select_pending(conn, subject.kind, subject.id, receiver.level, command.period)
            raise Conflict("period", f"{subject.id} is already nominated for the {receiver.level}-level roll "
                                     f"of {command.period}", existing=existing and nomination_view(existing))
        (envelope,) = await outbox.record(conn, meta, (event, subject.unit_path))
        return Answer(201, {**nomination_view(await store.select_nomination(conn, event.nomination_id)),
                            "event_id": str(envelope.event_id)})

    return await run_command(request, principal, key, "NominateHonor", command.model_dump(mode="json"), work)


@router.post("/nominations/{nomination_id}/approval", status_code=201)
async def approve(nomination_id: str, command: ApproveNomination, request: Request, principal: CurrentPrincipal,
                  key: IdempotencyKey) -> JSONResponse:
    """The unit above approves: eligibility is checked again today, then the honor is recorded."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        today = today_local()
        row = await pending_for(conn, principal, nomination_id)
        receiver = await roll_of(conn, row["recording_unit_id"])
        subject = await find_subject(conn, row["subject_kind"], row["subject_id"])  # name and path as of today
        await honor_roll.refuse_if_on_roll(conn, subject, receiver.level, row["period"])
        await honor_roll.check_eligible(conn, subject, row["period"], today)
        content = {"period": row["period"], "deed": row["deed"], "evidence": row["evidence"],
                   "proposed_by": row["proposed_by"], "approved_by": command.approved_by,
                   "consent_to_publish": row["consent_to_publish"], "nomination_id": nomination_id}
        answer = await honor_roll.write_honor(conn, meta, subject, receiver, content, principal.sub, today)
        await store.decide_nomination(conn, nomination_id, "approved", principal.sub, command.approved_by,
                                      answer.body["honor_id"])
        return answer

    return await run_command(request, principal, key, "ApproveNomination",
                             [nomination_id, command.model_dump(mode="json")], work)


@router.post("/nominations/{nomination_id}/rejection", status_code=201)
async def reject(nomination_id: str, command: RejectNomination, request: Request, principal: CurrentPrincipal,
                 key: IdempotencyKey) -> JSONResponse:
    """The unit above turns the nomination down, with its reason."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        row = await pending_for(conn, principal, nomination_id)
        decided = await store.decide_nomination(conn, nomination_id, "rejected", principal.sub, command.reason, None)
        event = HonorRejected(subject=subject_of(row), nomination_id=nomination_id,
                              proposing_unit_id=row["proposing_unit_id"], recording_unit_id=row["recording_unit_id"],
                              period=row["period"], reason=command.reason, rejected_by=command.rejected_by)
        (envelope,) = await outbox.record(conn, meta, (event, list(row["unit_path"])))
        return Answer(201, {**nomination_view(decided), "event_id": str(envelope.event_id)})

    return await run_command(request, principal, key, "RejectNomination",
                             [nomination_id, command.model_dump(mode="json")], work)
