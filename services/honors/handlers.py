"""Every Kafka subscription of services/honors, in one table: the eligibility view and automatic revocation."""

from collections.abc import Callable
from datetime import date

import asyncpg

from neuguong.runtime import directory, outbox
from schemas import Envelope
from schemas.commitments import CommitmentRated
from schemas.inspections import DisciplineImposed, InspectionConcluded, InspectionOpened
from schemas.topics import COMMITMENTS, INSPECTIONS
from services.honors import findings_store, store
from services.honors.eligibility import discipline_revokes, violation_revokes
from services.honors.roll import strike_off

SERVICE = "honors"
KIND_VI = {"inspection": "kiểm tra", "supervision": "giám sát"}
MEASURE_VI = {"reprimand": "khiển trách", "warning": "cảnh cáo", "removal_from_post": "cách chức",
              "expulsion": "khai trừ"}


async def revoke_where(conn: asyncpg.Connection, envelope: Envelope, subject_id: str,
                       revokes: Callable[[str, date], bool], reason: str, **refs: str | None) -> None:
    """Strike off every honor of the subject still on the roll that the finding `revokes`."""
    meta = outbox.EventMeta.reacting_to(envelope, SERVICE)
    for honor in await store.select_subject_on_roll(conn, subject_id):
        if revokes(honor["period"], honor["recorded_on"]):
            await strike_off(conn, meta, honor, reason, **refs)


async def on_inspection_opened(conn: asyncpg.Connection, event: InspectionOpened, _: Envelope) -> None:
    """An open inspection bars the target from honors until it is concluded."""
    await findings_store.lock_subject(conn, event.target.id)
    await findings_store.upsert_opened(conn, event.inspection_id, event.target.kind, event.target.id, event.kind,
                                       event.period, event.opened_on)


async def on_inspection_concluded(conn: asyncpg.Connection, event: InspectionConcluded, envelope: Envelope) -> None:
    """Remember the conclusion; a violation revokes the target's honors of the inspected period."""
    await findings_store.lock_subject(conn, event.target.id)
    await findings_store.upsert_concluded(conn, event.inspection_id, event.target.kind, event.target.id, event.kind,
                                          event.period, event.conclusion, event.concluded_on)
    if event.conclusion != "violation":
        return
    reason = (f"Kết luận vi phạm của cuộc {KIND_VI[event.kind]} {event.inspection_id} (kỳ {event.period}, "
              f"ngày {event.concluded_on:%d/%m/%Y})")
    await revoke_where(conn, envelope, event.target.id,
                       lambda period, recorded_on: violation_revokes(event.period, event.concluded_on, period,
                                                                     recorded_on),
                       reason, inspection_id=event.inspection_id)


async def on_discipline_imposed(conn: asyncpg.Connection, event: DisciplineImposed, envelope: Envelope) -> None:
    """Remember the discipline; it revokes the target's honors of the 12 months before the decision."""
    await findings_store.lock_subject(conn, event.target.id)
    await findings_store.insert_discipline(conn, event.discipline_id, event.target.kind, event.target.id,
                                           event.measure, event.decided_on)
    reason = f"Kỷ luật {MEASURE_VI[event.measure]} {event.discipline_id} ngày {event.decided_on:%d/%m/%Y}"
    await revoke_where(conn, envelope, event.target.id,
                       lambda period, recorded_on: discipline_revokes(event.decided_on, period, recorded_on),
                       reason, discipline_id=event.discipline_id, inspection_id=event.inspection_id)


async def on_commitment_rated(conn: asyncpg.Connection, event: CommitmentRated, _: Envelope) -> None:
    """Keep the member's current rating of the year (a later rating replaces the earlier one)."""
    await findings_store.lock_subject(conn, event.member_id)
    await findings_store.upsert_rating(conn, event.member_id, event.year, event.commitment_id, event.rating)


HANDLERS = {
    **directory.HANDLERS,
    InspectionOpened.event_type: on_inspection_opened,
    InspectionConcluded.event_type: on_inspection_concluded,
    DisciplineImposed.event_type: on_discipline_imposed,
    CommitmentRated.event_type: on_commitment_rated,
}
TOPICS = [*directory.TOPICS, INSPECTIONS.name, COMMITMENTS.name]
