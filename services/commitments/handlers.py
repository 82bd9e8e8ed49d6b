"""Every Kafka subscription of services/commitments, in one table."""

import asyncpg

from neuguong.runtime import directory, outbox
from schemas import Envelope
from schemas.commitments import CommitmentRated
from schemas.inspections import DisciplineImposed
from schemas.topics import INSPECTIONS
from services.commitments import store

SERVICE = "commitments"


async def on_discipline_imposed(conn: asyncpg.Connection, event: DisciplineImposed, envelope: Envelope) -> None:
    """Remember the discipline; a commitment already rated for that year becomes not_completed (rule 3)."""
    if event.target.kind != "member":
        return
    await store.insert_discipline(conn, event.discipline_id, event.target.id, event.measure, event.decided_on)
    row = await store.lock_commitment_of_year(conn, event.target.id, event.decided_on.year)
    if row is None or row["rating"] in (None, "not_completed"):
        return
    reason = f"kỷ luật {event.discipline_id} ngày {event.decided_on:%d/%m/%Y}"
    await store.upsert_rating(conn, row["commitment_id"], "not_completed", envelope.actor, event.decided_by_unit,
                              reason, event.discipline_id)
    rated = CommitmentRated(commitment_id=row["commitment_id"], member_id=row["member_id"], cell_id=row["cell_id"],
                            year=row["year"], rating="not_completed", is_leader=row["is_leader"],
                            is_head=row["is_head"], rated_by_unit=event.decided_by_unit, reason=reason,
                            forced_by_discipline=event.discipline_id)
    path = await directory.unit_path(conn, row["cell_id"]) or list(row["unit_path"])
    await outbox.record(conn, outbox.EventMeta.reacting_to(envelope, SERVICE), (rated, path))


HANDLERS = {
    **directory.HANDLERS,
    DisciplineImposed.event_type: on_discipline_imposed,
}
TOPICS = [*directory.TOPICS, INSPECTIONS.name]
