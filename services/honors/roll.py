"""Writing on and striking off the honor roll: the gate, the natural key and the events, in one place."""

from datetime import date

import asyncpg

from neuguong.runtime import outbox
from neuguong.runtime.errors import CommandRejected, Conflict
from neuguong.runtime.idempotency import Answer
from schemas import HonorRecorded, HonorSubject, uuid7
from schemas.honors import HonorRevoked
from services.honors import findings_store, logic, store
from services.honors.access import Roll, Subject
from services.honors.eligibility import (
    DisciplineFact,
    Eligibility,
    Findings,
    InspectionFact,
    RatingFact,
    is_eligible_for_honor,
)
from neuguong.periods import period_bounds
from services.honors.views import honor_view


def check_cadence(roll: Roll, period: str, today: date) -> None:
    """Rule 5: refuse a period that does not fit the roll, listing the allowed period kinds."""
    refusal = logic.cadence_refusal(roll.level, period, today)
    if refusal is not None:
        raise CommandRejected(*refusal, allowed_period_kinds=list(logic.allowed_period_kinds(roll.level)))


def check_subject(subject: Subject, roll: Roll) -> None:
    """The subject must lie under the roll's unit."""
    refusal = logic.subject_refusal(subject.kind, subject.unit_path, roll.unit_id)
    if refusal is not None:
        raise CommandRejected(*refusal)


async def eligibility(conn: asyncpg.Connection, subject_kind: str, subject_id: str, period: str,
                      today: date) -> Eligibility:
    """Rule 6 over the service's own view of the subject's findings."""
    rows = await findings_store.select_findings(conn, subject_id)
    findings = Findings(
        inspections=tuple(InspectionFact(r["inspection_id"], r["kind"], r["period"], r["opened_on"], r["conclusion"],
                                         r["concluded_on"]) for r in rows["inspections"]),
        disciplines=tuple(DisciplineFact(r["discipline_id"], r["measure"], r["decided_on"])
                          for r in rows["disciplines"]),
        ratings=tuple(RatingFact(r["year"], r["rating"], r["commitment_id"]) for r in rows["ratings"]),
    )
    return is_eligible_for_honor(subject_kind, findings, period, today)


async def check_eligible(conn: asyncpg.Connection, subject: Subject, period: str, today: date) -> None:
    """Lock the subject against concurrent findings, then refuse it (422) naming every reason."""
    await findings_store.lock_subject(conn, subject.id)
    verdict = await eligibility(conn, subject.kind, subject.id, period, today)
    if not verdict:
        summary = "; ".join(r.message for r in verdict.reasons)
        raise CommandRejected("subject", f"{subject.id} is not eligible for an honor of {period}: {summary}",
                              reasons=[r.as_dict() for r in verdict.reasons])


async def refuse_if_on_roll(conn: asyncpg.Connection, subject: Subject, level: str, period: str) -> None:
    """Rule 7: 409 with the existing entry when the subject is already on the roll for the level and period."""
    existing = await store.select_on_roll(conn, subject.kind, subject.id, level, period)
    if existing is not None:
        raise Conflict("period", f"{subject.id} is already on the {level}-level roll for {period}",
                       existing=honor_view(existing))


async def write_honor(conn: asyncpg.Connection, meta: outbox.EventMeta, subject: Subject, roll: Roll,
                      content: dict, recorded_by: str, today: date) -> Answer:
    """Put the entry on the roll with its HonorRecorded event; the unique index settles a race (rule 7)."""
    start, end = period_bounds(content["period"])
    event = HonorRecorded(subject=HonorSubject(kind=subject.kind, id=subject.id, name=subject.name),
                          honor_id=str(uuid7()), recording_unit_id=roll.unit_id, level=roll.level, **content)
    row = {**content, "honor_id": event.honor_id, "subject_kind": subject.kind, "subject_id": subject.id,
           "subject_name": subject.name, "recording_unit_id": roll.unit_id, "level": roll.level,
           "period_start": start, "period_end": end, "unit_path": subject.unit_path, "recorded_by": recorded_by,
           "recorded_on": today}
    row.setdefault("nomination_id", None)
    if not await store.insert_honor(conn, row):
        await refuse_if_on_roll(conn, subject, roll.level, content["period"])
        raise Conflict("period", "a concurrent entry for this subject, level and period was being written")
    (envelope,) = await outbox.record(conn, meta, (event, subject.unit_path))
    return Answer(201, {**honor_view(await store.select_honor(conn, event.honor_id)),
                        "event_id": str(envelope.event_id)})


async def strike_off(conn: asyncpg.Connection, meta: outbox.EventMeta, honor: asyncpg.Record, reason: str, *,
                     inspection_id: str | None = None, discipline_id: str | None = None, note: str = ""
                     ) -> asyncpg.Record | None:
    """Revoke an honor still on the roll and stage its HonorRevoked; None when it was already off."""
    row = await store.revoke_honor(conn, honor["honor_id"], meta.actor, reason, inspection_id, discipline_id)
    if row is None:
        return None
    event = HonorRevoked(
        subject=HonorSubject(kind=row["subject_kind"], id=row["subject_id"], name=row["subject_name"]),
        honor_id=row["honor_id"], recording_unit_id=row["recording_unit_id"], level=row["level"],
        period=row["period"], reason=reason, inspection_id=inspection_id, discipline_id=discipline_id,
        revoked_by=meta.actor, note=note)
    await outbox.record(conn, meta, (event, list(row["unit_path"])))
    return row
