"""services/honors in two tables: the commands it takes (COMMANDS) and the events it consumes (HANDLERS).

Each command handler authorises (access), decides (logic, eligibility), writes (store) and answers with the
event it caused; the runtime stages it in the outbox in the same transaction. The event handlers keep the
eligibility view of rule 6 and strike off the honors a later finding reaches.
"""

from collections.abc import Callable
from datetime import date

import asyncpg

from neuguong.cadence import roll_period_kinds
from neuguong.periods import period_bounds
from neuguong.runtime import directory, outbox
from neuguong.runtime.auth import Principal
from neuguong.runtime.batches import RowResult, each_row
from neuguong.runtime.clock import Clock
from neuguong.runtime.commands import Answer
from neuguong.runtime.errors import CommandRejected, Conflict, refuse
from schemas import Envelope, HonorRecorded, HonorSubject, uuid7
from schemas.commitments import CommitmentRated
from schemas.honors import HonorNominated, HonorRejected, HonorRevoked
from schemas.inspections import DisciplineImposed, InspectionConcluded, InspectionOpened
from schemas.topics import COMMITMENTS, INSPECTIONS
from services.honors import access, logic, store
from services.honors.access import Roll, Subject
from services.honors.commands import (
    ApproveNomination,
    HonorBatchItem,
    NominateHonor,
    RecordHonor,
    RecordHonors,
    RejectNomination,
    RevokeHonor,
)
from services.honors.eligibility import discipline_revokes, is_eligible_for_honor, violation_revokes
from services.honors.views import honor_view, nomination_view

SERVICE = "honors"
CONTENT = ("period", "deed", "evidence", "proposed_by", "consent_to_publish")
KIND_VI = {"inspection": "kiểm tra", "supervision": "giám sát"}
MEASURE_VI = {
    "reprimand": "khiển trách",
    "warning": "cảnh cáo",
    "removal_from_post": "cách chức",
    "expulsion": "khai trừ",
}


def check_period(roll: Roll, period: str, today: date) -> None:
    """Rule 5 (naming the kinds of period the roll takes) and the end of the district level."""
    refuse(logic.cadence_refusal(roll.level, period, today), allowed_period_kinds=list(roll_period_kinds(roll.level)))
    refuse(logic.reorganisation_refusal(roll.level, period))


async def check_eligible(conn: asyncpg.Connection, subject: Subject, period: str, today: date) -> None:
    """Rule 6: lock the subject against concurrent findings, then refuse it (422) naming every reason."""
    await store.lock_subject(conn, subject.id)
    verdict = is_eligible_for_honor(subject.kind, await store.select_findings(conn, subject.id), period, today)
    if not verdict:
        summary = "; ".join(r.message for r in verdict.reasons)
        raise CommandRejected(
            "subject",
            f"{subject.id} is not eligible for an honor of {period}: {summary}",
            reasons=[r.as_dict() for r in verdict.reasons],
        )


async def refuse_if_on_roll(conn: asyncpg.Connection, subject: Subject, level: str, period: str) -> None:
    """Rule 7: 409 with the existing entry when the subject is already on the roll for the level and period."""
    existing = await store.select_on_roll(conn, subject.kind, subject.id, level, period)
    if existing is not None:
        raise Conflict(
            "period", f"{subject.id} is already on the {level}-level roll for {period}", existing=honor_view(existing)
        )


def subject_of(row: asyncpg.Record) -> HonorSubject:
    """The subject of an honor or nomination row, as events carry it."""
    return HonorSubject(kind=row["subject_kind"], id=row["subject_id"], name=row["subject_name"])


async def write_honor(
    conn: asyncpg.Connection, subject: Subject, roll: Roll, content: dict, recorded_by: str, today: date
) -> Answer:
    """Put the entry on the roll, answering with its HonorRecorded; the unique index settles a race (rule 7)."""
    start, end = period_bounds(content["period"])
    event = HonorRecorded(
        subject=HonorSubject(kind=subject.kind, id=subject.id, name=subject.name),
        honor_id=str(uuid7()),
        recording_unit_id=roll.unit_id,
        level=roll.level,
        **content,
    )
    row = {
        "nomination_id": None,
        **content,
        "honor_id": event.honor_id,
        "subject_kind": subject.kind,
        "subject_id": subject.id,
        "subject_name": subject.name,
        "recording_unit_id": roll.unit_id,
        "level": roll.level,
        "period_start": start,
        "period_end": end,
        "unit_path": subject.unit_path,
        "recorded_by": recorded_by,
        "recorded_on": today,
    }
    if not await store.insert_honor(conn, row):
        await refuse_if_on_roll(conn, subject, roll.level, content["period"])
        raise Conflict("period", "a concurrent entry for this subject, level and period was being written")
    return Answer.recording(201, honor_view(await store.select_honor(conn, event.honor_id)), event, subject.unit_path)


def revocation(
    row: asyncpg.Record,
    reason: str,
    by: str,
    *,
    inspection_id: str | None = None,
    discipline_id: str | None = None,
    note: str = "",
) -> HonorRevoked:
    """The HonorRevoked of an honor just struck off."""
    return HonorRevoked(
        subject=subject_of(row),
        honor_id=row["honor_id"],
        recording_unit_id=row["recording_unit_id"],
        level=row["level"],
        period=row["period"],
        reason=reason,
        inspection_id=inspection_id,
        discipline_id=discipline_id,
        revoked_by=by,
        note=note,
    )


async def record_honor(conn: asyncpg.Connection, command: RecordHonor, principal: Principal, clock: Clock) -> Answer:
    """Write an honor on the roll of the token's unit, whose level it takes (rules 5–7)."""
    today = clock.today()
    roll = await access.own_roll(conn, principal, command.recording_unit_id, "recording_unit_id", command.level)
    check_period(roll, command.period, today)
    subject = await access.find_subject(conn, command.subject.kind, command.subject.id)
    refuse(logic.subject_refusal(subject.kind, subject.unit_path, roll.unit_id))
    await refuse_if_on_roll(conn, subject, roll.level, command.period)
    await check_eligible(conn, subject, command.period, today)
    content = command.model_dump(mode="json", include={*CONTENT, "approved_by"})
    return await write_honor(conn, subject, roll, content, principal.sub, today)


async def record_honors(conn: asyncpg.Connection, command: RecordHonors, principal: Principal, clock: Clock) -> Answer:
    """An honor roll brought in from paper, each row in its own savepoint: `created`, `exists` (on this
    roll for the subject and period, revoked or not: a rerun never writes a struck-off entry back) or
    `rejected` with the reason, and the gate's `reasons` when rule 6 refuses it.

    A row the token may not act on (another unit's roll) refuses the whole request (403).
    """

    async def record_one(item: HonorBatchItem) -> RowResult:
        single = RecordHonor.model_validate(item.model_dump(exclude={"line"}))
        roll = await access.own_roll(conn, principal, single.recording_unit_id, "recording_unit_id", single.level)
        for honor in await store.select_subject_honors(conn, single.subject.id):
            same = (honor["subject_kind"], honor["recording_unit_id"], honor["level"], honor["period"])
            if same == (single.subject.kind, roll.unit_id, roll.level, single.period):
                return {
                    "status": "exists",
                    "honor_id": honor["honor_id"],
                    "revoked": honor["revoked_at"] is not None,
                }, ()
        try:
            answer = await record_honor(conn, single, principal, clock)
        except Conflict as error:
            return {"status": "exists", "honor_id": error.details["existing"]["honor_id"], "revoked": False}, ()
        return {"status": "created", "honor_id": answer.body["honor_id"]}, answer.events

    return await each_row(conn, command.items, record_one)


async def revoke_honor(conn: asyncpg.Connection, command: RevokeHonor, principal: Principal, clock: Clock) -> Answer:
    """An operator takes an honor of its subtree off the roll, saying why; its publicity is retracted."""
    honor = await access.honor_to_revoke(conn, principal, command.honor_id)
    row = await store.revoke_honor(conn, honor["honor_id"], principal.sub, command.reason)
    event = revocation(row, command.reason, principal.sub, note=command.note)
    return Answer.recording(201, honor_view(row), event, list(row["unit_path"]))


async def nominate_honor(
    conn: asyncpg.Connection, command: NominateHonor, principal: Principal, clock: Clock
) -> Answer:
    """Propose a subject of the token's unit for the roll of the unit directly above it."""
    today = clock.today()
    proposing = await access.own_roll(conn, principal, command.proposing_unit_id, "proposing_unit_id")
    above = logic.receiving_unit(proposing.unit_path)
    if above is None:
        raise CommandRejected("proposing_unit_id", f"{proposing.unit_id} has no unit above it to nominate to")
    receiver = await access.roll_of(conn, above)
    check_period(receiver, command.period, today)
    subject = await access.find_subject(conn, command.subject.kind, command.subject.id)
    refuse(logic.nominee_refusal(subject.unit_path, proposing.unit_id))
    refuse(logic.subject_refusal(subject.kind, subject.unit_path, receiver.unit_id))
    await refuse_if_on_roll(conn, subject, receiver.level, command.period)
    await check_eligible(conn, subject, command.period, today)
    content = command.model_dump(mode="json", include=set(CONTENT))
    event = HonorNominated(
        subject=HonorSubject(kind=subject.kind, id=subject.id, name=subject.name),
        nomination_id=str(uuid7()),
        proposing_unit_id=proposing.unit_id,
        recording_unit_id=receiver.unit_id,
        level=receiver.level,
        **content,
    )
    row = {
        **content,
        "nomination_id": event.nomination_id,
        "subject_kind": subject.kind,
        "subject_id": subject.id,
        "subject_name": subject.name,
        "proposing_unit_id": proposing.unit_id,
        "recording_unit_id": receiver.unit_id,
        "level": receiver.level,
        "unit_path": subject.unit_path,
        "nominated_by": principal.sub,
    }
    if not await store.insert_nomination(conn, row):
        existing = await store.select_pending(conn, subject.kind, subject.id, receiver.level, command.period)
        raise Conflict(
            "period",
            f"{subject.id} is already nominated for the {receiver.level}-level roll of {command.period}",
            existing=existing and nomination_view(existing),
        )
    nominated = await store.select_nomination(conn, event.nomination_id)
    return Answer.recording(201, nomination_view(nominated), event, subject.unit_path)


async def approve_nomination(
    conn: asyncpg.Connection, command: ApproveNomination, principal: Principal, clock: Clock
) -> Answer:
    """The unit above approves: eligibility is checked again today, then the honor is recorded."""
    today = clock.today()
    row = await access.nomination_to_decide(conn, principal, command.nomination_id)
    receiver = await access.roll_of(conn, row["recording_unit_id"])
    refuse(logic.reorganisation_refusal(receiver.level, row["period"]))
    subject = await access.find_subject(conn, row["subject_kind"], row["subject_id"])  # name and path as of today
    await refuse_if_on_roll(conn, subject, receiver.level, row["period"])
    await check_eligible(conn, subject, row["period"], today)
    content = {
        **{key: row[key] for key in CONTENT},
        "approved_by": command.approved_by,
        "nomination_id": command.nomination_id,
    }
    answer = await write_honor(conn, subject, receiver, content, principal.sub, today)
    await store.decide_nomination(
        conn, command.nomination_id, "approved", principal.sub, command.approved_by, answer.body["honor_id"]
    )
    return answer


async def reject_nomination(
    conn: asyncpg.Connection, command: RejectNomination, principal: Principal, clock: Clock
) -> Answer:
    """The unit above turns the nomination down, with its reason."""
    row = await access.nomination_to_decide(conn, principal, command.nomination_id)
    decided = await store.decide_nomination(
        conn, command.nomination_id, "rejected", principal.sub, command.reason, None
    )
    event = HonorRejected(
        subject=subject_of(row),
        nomination_id=command.nomination_id,
        proposing_unit_id=row["proposing_unit_id"],
        recording_unit_id=row["recording_unit_id"],
        period=row["period"],
        reason=command.reason,
        rejected_by=command.rejected_by,
    )
    return Answer.recording(201, nomination_view(decided), event, list(row["unit_path"]))


async def revoke_where(
    conn: asyncpg.Connection,
    envelope: Envelope,
    subject_id: str,
    revokes: Callable[[str, date], bool],
    reason: str,
    **refs: str | None,
) -> None:
    """Strike off every honor of the subject still on the roll that the finding `revokes`, staging each
    HonorRevoked in the finding's correlation."""
    meta = outbox.EventMeta.reacting_to(envelope, SERVICE)
    revoked = []
    for honor in await store.select_subject_on_roll(conn, subject_id):
        if revokes(honor["period"], honor["recorded_on"]):
            row = await store.revoke_honor(conn, honor["honor_id"], meta.actor, reason, **refs)
            if row is not None:  # an operator struck it off meanwhile
                revoked.append((revocation(row, reason, meta.actor, **refs), list(row["unit_path"])))
    if revoked:
        await outbox.record(conn, meta, *revoked)


async def on_inspection_opened(conn: asyncpg.Connection, event: InspectionOpened, _: Envelope) -> None:
    """An open inspection bars the target from honors until it is concluded."""
    await store.lock_subject(conn, event.target.id)
    await store.upsert_opened(
        conn, event.inspection_id, event.target.kind, event.target.id, event.kind, event.period, event.opened_on
    )


async def on_inspection_concluded(conn: asyncpg.Connection, event: InspectionConcluded, envelope: Envelope) -> None:
    """Remember the conclusion; a violation revokes the target's honors of the inspected period."""
    await store.lock_subject(conn, event.target.id)
    await store.upsert_concluded(
        conn,
        event.inspection_id,
        event.target.kind,
        event.target.id,
        event.kind,
        event.period,
        event.conclusion,
        event.concluded_on,
    )
    if event.conclusion != "violation":
        return
    reason = (
        f"Kết luận vi phạm của cuộc {KIND_VI[event.kind]} {event.inspection_id} (kỳ {event.period}, "
        f"ngày {event.concluded_on:%d/%m/%Y})"
    )
    await revoke_where(
        conn,
        envelope,
        event.target.id,
        lambda period, recorded_on: violation_revokes(event.period, event.concluded_on, period, recorded_on),
        reason,
        inspection_id=event.inspection_id,
    )


async def on_discipline_imposed(conn: asyncpg.Connection, event: DisciplineImposed, envelope: Envelope) -> None:
    """Remember the discipline; it revokes the target's honors of the 12 months before the decision."""
    await store.lock_subject(conn, event.target.id)
    await store.insert_discipline(
        conn, event.discipline_id, event.target.kind, event.target.id, event.measure, event.decided_on
    )
    reason = f"Kỷ luật {MEASURE_VI[event.measure]} {event.discipline_id} ngày {event.decided_on:%d/%m/%Y}"
    await revoke_where(
        conn,
        envelope,
        event.target.id,
        lambda period, recorded_on: discipline_revokes(event.decided_on, period, recorded_on),
        reason,
        discipline_id=event.discipline_id,
        inspection_id=event.inspection_id,
    )


async def on_commitment_rated(conn: asyncpg.Connection, event: CommitmentRated, _: Envelope) -> None:
    """Keep the member's current rating of the year (a later rating replaces the earlier one)."""
    await store.lock_subject(conn, event.member_id)
    await store.upsert_rating(conn, event.member_id, event.year, event.commitment_id, event.rating)


COMMANDS = {
    RecordHonor: record_honor,
    RecordHonors: record_honors,
    RevokeHonor: revoke_honor,
    NominateHonor: nominate_honor,
    ApproveNomination: approve_nomination,
    RejectNomination: reject_nomination,
}
HANDLERS = {
    **directory.HANDLERS,
    InspectionOpened.event_type: on_inspection_opened,
    InspectionConcluded.event_type: on_inspection_concluded,
    DisciplineImposed.event_type: on_discipline_imposed,
    CommitmentRated.event_type: on_commitment_rated,
}
TOPICS = [*directory.TOPICS, INSPECTIONS.name, COMMITMENTS.name]
