"""HTTP commands of services/inspections: open, conclude, impose a discipline."""

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from neuguong.periods import period_bounds, today_local
from neuguong.runtime import directory, outbox
from neuguong.runtime.auth import Forbidden
from neuguong.runtime.errors import CommandRejected, Conflict, NotFound
from neuguong.runtime.http import CurrentPrincipal, IdempotencyKey, run_command
from neuguong.runtime.idempotency import Answer
from schemas import uuid7
from schemas.inspections import DisciplineImposed, InspectionConcluded, InspectionOpened, Target
from services.inspections import logic, store
from services.inspections.access import INSPECTORS, target_in_reach
from services.inspections.commands import ConcludeInspection, ImposeDiscipline, OpenInspection
from services.inspections.views import discipline_view, inspection_view

router = APIRouter(tags=["inspections"])


def refuse(refusal: logic.Refusal) -> None:
    """Raise the refusal a rule returned, if any."""
    if refusal is not None:
        raise CommandRejected(*refusal)


@router.post("/inspections", status_code=201)
async def open_inspection(command: OpenInspection, request: Request, principal: CurrentPrincipal,
                          key: IdempotencyKey) -> JSONResponse:
    """Open an inspection or supervision of a member or organisation in the token's subtree."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        path = await target_in_reach(conn, principal, command.target.kind, command.target.id)
        committee = command.committee_unit_id or principal.unit
        opened_on = command.opened_on or today_local()
        refuse(logic.committee_refusal(committee, path, principal.unit))
        refuse(logic.opening_refusal(command.period, opened_on, today_local()))
        start, end = period_bounds(command.period)
        event = InspectionOpened(target=Target(**command.target.model_dump()), inspection_id=str(uuid7()),
                                 kind=command.kind, topic_title=command.topic_title, period=command.period,
                                 committee_unit_id=committee, opened_on=opened_on)
        await store.insert_inspection(conn, {
            "inspection_id": event.inspection_id, "kind": command.kind, "target_kind": command.target.kind,
            "target_id": command.target.id, "topic_title": command.topic_title, "period": command.period,
            "period_start": start, "period_end": end, "committee_unit_id": committee, "unit_path": path,
            "opened_on": opened_on, "opened_by": principal.sub})
        (envelope,) = await outbox.record(conn, meta, (event, path))
        row = await store.select_inspection(conn, event.inspection_id)
        return Answer(201, {**inspection_view(row), "event_id": str(envelope.event_id)})

    return await run_command(request, principal, key, "OpenInspection", command.model_dump(mode="json"), work)


@router.post("/inspections/{inspection_id}/conclusion", status_code=201)
async def conclude_inspection(inspection_id: str, command: ConcludeInspection, request: Request,
                              principal: CurrentPrincipal, key: IdempotencyKey) -> JSONResponse:
    """Conclude an open inspection: compliant, shortcomings or violation (once)."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        principal.require_role(*INSPECTORS)
        row = await store.lock_inspection(conn, inspection_id)
        if row is None:
            raise NotFound("inspection_id", "unknown inspection")
        # Only the committee that opened it, or one above that committee, concludes an inspection:
        # never a lower body, and never the inspected unit's own committee.
        committee_path = await directory.unit_path(conn, row["committee_unit_id"]) or [row["committee_unit_id"]]
        try:
            principal.require_subtree(committee_path)
        except Forbidden as error:
            raise Forbidden(f"unit: only {row['committee_unit_id']} or a committee above it concludes this "
                            "inspection") from error
        if row["conclusion"] is not None:
            raise Conflict("inspection_id", f"already concluded ({row['conclusion']}, {row['concluded_on']})",
                           existing=inspection_view(row))
        concluded_on = command.concluded_on or today_local()
        refuse(logic.conclusion_refusal(row["opened_on"], concluded_on, today_local()))
        await store.conclude_inspection(conn, inspection_id, command.conclusion, command.summary,
                                        command.recommendations, concluded_on, principal.sub)
        event = InspectionConcluded(
            target=Target(kind=row["target_kind"], id=row["target_id"]), inspection_id=inspection_id,
            kind=row["kind"], period=row["period"], conclusion=command.conclusion, summary=command.summary,
            recommendations=command.recommendations, concluded_on=concluded_on)
        (envelope,) = await outbox.record(conn, meta, (event, list(row["unit_path"])))
        row = await store.select_inspection(conn, inspection_id)
        return Answer(201, {**inspection_view(row), "event_id": str(envelope.event_id)})

    return await run_command(request, principal, key, "ConcludeInspection",
                             [inspection_id, command.model_dump(mode="json")], work)


@router.post("/disciplines", status_code=201)
async def impose_discipline(command: ImposeDiscipline, request: Request, principal: CurrentPrincipal,
                            key: IdempotencyKey) -> JSONResponse:
    """Impose a discipline on a member or organisation of the token's subtree."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        target = command.target
        path = await target_in_reach(conn, principal, target.kind, target.id)
        decided_by = command.decided_by_unit or principal.unit
        decided_on = command.decided_on or today_local()
        refuse(logic.committee_refusal(decided_by, path, principal.unit))
        refuse(logic.discipline_refusal(target.kind, command.measure, decided_on, today_local()))
        if command.inspection_id is not None:
            basis = await store.select_inspection(conn, command.inspection_id)
            refuse(logic.basis_refusal(basis, target.kind, target.id, decided_on))
        event = DisciplineImposed(
            target=Target(**target.model_dump()), discipline_id=str(uuid7()), measure=command.measure,
            decided_on=decided_on, reason=command.reason, inspection_id=command.inspection_id,
            decided_by_unit=decided_by, note=command.note)
        await store.insert_discipline(conn, {
            "discipline_id": event.discipline_id, "target_kind": target.kind, "target_id": target.id,
            "measure": command.measure, "decided_on": decided_on, "reason": command.reason,
            "inspection_id": command.inspection_id, "decided_by_unit": decided_by, "note": command.note,
            "unit_path": path, "decided_by": principal.sub})
        (envelope,) = await outbox.record(conn, meta, (event, path))
        row = await store.select_discipline(conn, event.discipline_id)
        return Answer(201, {**discipline_view(row), "event_id": str(envelope.event_id)})

    return await run_command(request, principal, key, "ImposeDiscipline", command.model_dump(mode="json"), work)
