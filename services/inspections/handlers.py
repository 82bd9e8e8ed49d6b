"""services/inspections in two tables: the commands it takes (COMMANDS) and the events it consumes
(HANDLERS). Each command handler authorises (access), decides (logic), writes (store) and answers with
the event it caused; the runtime stages it in the outbox in the same transaction."""

import asyncpg

from neuguong.periods import period_bounds
from neuguong.runtime import directory
from neuguong.runtime.auth import Principal
from neuguong.runtime.clock import Clock
from neuguong.runtime.commands import Answer
from neuguong.runtime.errors import Conflict, refuse
from schemas import uuid7
from schemas.inspections import DisciplineImposed, InspectionConcluded, InspectionOpened, Target
from services.inspections import access, logic, store
from services.inspections.commands import ConcludeInspection, ImposeDiscipline, OpenInspection
from services.inspections.views import discipline_view, inspection_view


async def open_inspection(
    conn: asyncpg.Connection, command: OpenInspection, principal: Principal, clock: Clock
) -> Answer:
    """Open an inspection or supervision of a member or organisation in the token's subtree."""
    target = command.target
    path, committee = await access.committee_over_target(conn, principal, target, command.committee_unit_id)
    today = clock.today()
    opened_on = command.opened_on or today
    refuse(logic.opening_refusal(command.period, opened_on, today))
    start, end = period_bounds(command.period)
    event = InspectionOpened(
        target=Target(**target.model_dump()),
        inspection_id=str(uuid7()),
        kind=command.kind,
        topic_title=command.topic_title,
        period=command.period,
        committee_unit_id=committee,
        opened_on=opened_on,
    )
    await store.insert_inspection(
        conn,
        {
            "inspection_id": event.inspection_id,
            "kind": command.kind,
            "target_kind": target.kind,
            "target_id": target.id,
            "topic_title": command.topic_title,
            "period": command.period,
            "period_start": start,
            "period_end": end,
            "committee_unit_id": committee,
            "unit_path": path,
            "opened_on": opened_on,
            "opened_by": principal.sub,
        },
    )
    opened = await store.select_inspection(conn, event.inspection_id)
    return Answer.recording(201, inspection_view(opened), event, path)


async def conclude_inspection(
    conn: asyncpg.Connection, command: ConcludeInspection, principal: Principal, clock: Clock
) -> Answer:
    """Conclude an open inspection: compliant, shortcomings or violation (once)."""
    row = await access.inspection_to_conclude(conn, principal, command.inspection_id)
    if row["conclusion"] is not None:
        raise Conflict(
            "inspection_id",
            f"already concluded ({row['conclusion']}, {row['concluded_on']})",
            existing=inspection_view(row),
        )
    today = clock.today()
    concluded_on = command.concluded_on or today
    refuse(logic.conclusion_refusal(row["opened_on"], concluded_on, today))
    await store.conclude_inspection(
        conn,
        command.inspection_id,
        command.conclusion,
        command.summary,
        command.recommendations,
        concluded_on,
        principal.sub,
    )
    event = InspectionConcluded(
        target=Target(kind=row["target_kind"], id=row["target_id"]),
        inspection_id=command.inspection_id,
        kind=row["kind"],
        period=row["period"],
        conclusion=command.conclusion,
        summary=command.summary,
        recommendations=command.recommendations,
        concluded_on=concluded_on,
    )
    concluded = await store.select_inspection(conn, command.inspection_id)
    return Answer.recording(201, inspection_view(concluded), event, list(row["unit_path"]))


async def impose_discipline(
    conn: asyncpg.Connection, command: ImposeDiscipline, principal: Principal, clock: Clock
) -> Answer:
    """Impose a discipline on a member or organisation of the token's subtree."""
    target = command.target
    path, decided_by = await access.committee_over_target(conn, principal, target, command.decided_by_unit)
    today = clock.today()
    decided_on = command.decided_on or today
    refuse(logic.discipline_refusal(target.kind, command.measure, decided_on, today))
    if command.inspection_id is not None:
        basis = await store.select_inspection(conn, command.inspection_id)
        refuse(logic.basis_refusal(basis, target.kind, target.id, decided_on))
    event = DisciplineImposed(
        target=Target(**target.model_dump()),
        discipline_id=str(uuid7()),
        measure=command.measure,
        decided_on=decided_on,
        reason=command.reason,
        inspection_id=command.inspection_id,
        decided_by_unit=decided_by,
        note=command.note,
    )
    await store.insert_discipline(
        conn,
        {
            "discipline_id": event.discipline_id,
            "target_kind": target.kind,
            "target_id": target.id,
            "measure": command.measure,
            "decided_on": decided_on,
            "reason": command.reason,
            "inspection_id": command.inspection_id,
            "decided_by_unit": decided_by,
            "note": command.note,
            "unit_path": path,
            "decided_by": principal.sub,
        },
    )
    imposed = await store.select_discipline(conn, event.discipline_id)
    return Answer.recording(201, discipline_view(imposed), event, path)


COMMANDS = {
    OpenInspection: open_inspection,
    ConcludeInspection: conclude_inspection,
    ImposeDiscipline: impose_discipline,
}
HANDLERS = {**directory.HANDLERS}
TOPICS = [*directory.TOPICS]
