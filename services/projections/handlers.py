"""Every Kafka subscription of services/projections, in one table."""

import asyncpg

from neuguong.periods import periods_of
from neuguong.runtime import directory
from schemas import CommitmentFiled, Envelope, HonorRecorded, SessionHeld
from schemas.commitments import CommitmentRated, CommitmentReported, SelfReflectionRecorded, SessionAmended
from schemas.honors import HonorRevoked
from schemas.inspections import DisciplineImposed, InspectionConcluded, InspectionOpened
from schemas.topics import COMMITMENTS, HONORS, INSPECTIONS, SESSIONS
from services.projections import logic, store


async def on_commitment_filed(conn: asyncpg.Connection, event: CommitmentFiled, envelope: Envelope) -> None:
    """Count the commitment for every unit on its path, in its year."""
    await store.remember_filing(conn, event.member_id, event.year)
    await store.add_to_figures(conn, envelope.unit_path, [str(event.year)], logic.commitment_figures(event))


async def on_self_reflection(conn: asyncpg.Connection, event: SelfReflectionRecorded, envelope: Envelope) -> None:
    """Count the monthly self-review in its month, quarter, half and year."""
    await store.add_to_figures(conn, envelope.unit_path, logic.month_periods(event.month), ["self_reflections"])


async def on_commitment_reported(conn: asyncpg.Connection, event: CommitmentReported, envelope: Envelope) -> None:
    """Count the year-end report in its year."""
    await store.add_to_figures(conn, envelope.unit_path, [str(event.year)], logic.report_figures(event))


async def on_commitment_rated(conn: asyncpg.Connection, event: CommitmentRated, envelope: Envelope) -> None:
    """Move the rating distribution: a re-rating takes the earlier rating out first."""
    period = str(event.year)
    previous = await store.swap_rating(conn, event.commitment_id, event.rating, period, envelope.unit_path,
                                       event.is_leader, event.is_head)
    if previous is None:
        await store.add_to_figures(conn, envelope.unit_path, [period],
                                   logic.leadership_split("commitments_rated", event.is_leader, event.is_head))
    else:
        await store.add_to_figures(conn, list(previous["unit_path"]), [previous["period"]],
                                   logic.rating_figures(previous["rating"], previous["is_leader"], previous["is_head"]),
                                   -1)
    await store.add_to_figures(conn, envelope.unit_path, [period],
                               logic.rating_figures(event.rating, event.is_leader, event.is_head))


async def on_session(conn: asyncpg.Connection, event: SessionHeld | SessionAmended, envelope: Envelope) -> None:
    """Count a session by kind in its month's periods; an amendment moves it if kind or month changed."""
    previous = await store.swap_session(conn, event.session_id, event.kind, event.month, envelope.unit_path)
    if previous is not None:
        await store.add_to_figures(conn, list(previous["unit_path"]), logic.month_periods(previous["month"]),
                                   [logic.session_figure(previous["kind"])], -1)
    await store.add_to_figures(conn, envelope.unit_path, logic.month_periods(event.month),
                               [logic.session_figure(event.kind)])


async def on_honor_recorded(conn: asyncpg.Connection, event: HonorRecorded, envelope: Envelope) -> None:
    """Count the honor by level in its period and every longer period containing it."""
    if await store.remember_honor(conn, event, envelope.unit_path):
        await store.add_to_figures(conn, envelope.unit_path, logic.covering_periods(event.period),
                                   logic.honor_figures(event.level))


async def on_honor_revoked(conn: asyncpg.Connection, event: HonorRevoked, envelope: Envelope) -> None:
    """Take a revoked honor out of the figures it was counted in."""
    honor = await store.revoke_honor(conn, event.honor_id)
    if honor is not None:
        periods = logic.covering_periods(honor["period"])
        await store.add_to_figures(conn, list(honor["unit_path"]), periods, logic.honor_figures(honor["level"]), -1)
        await store.add_to_figures(conn, list(honor["unit_path"]), periods, ["honors_revoked"])
    elif await store.remember_revoked_honor(conn, event, envelope.unit_path):
        await store.add_to_figures(conn, envelope.unit_path, logic.covering_periods(event.period), ["honors_revoked"])


async def on_inspection_opened(conn: asyncpg.Connection, event: InspectionOpened, envelope: Envelope) -> None:
    """Count an opened inspection or supervision in the periods of its opening day."""
    await store.add_to_figures(conn, envelope.unit_path, periods_of(event.opened_on),
                               logic.inspection_figures(event.kind, event.target.kind))


async def on_inspection_concluded(conn: asyncpg.Connection, event: InspectionConcluded, envelope: Envelope) -> None:
    """Count a conclusion in the periods of the day it was reached."""
    await store.add_to_figures(conn, envelope.unit_path, periods_of(event.concluded_on),
                               logic.conclusion_figures(event.kind, event.conclusion))


async def on_discipline_imposed(conn: asyncpg.Connection, event: DisciplineImposed, envelope: Envelope) -> None:
    """Count a discipline in the periods of its decision."""
    await store.add_to_figures(conn, envelope.unit_path, periods_of(event.decided_on),
                               logic.discipline_figures(event.measure))


HANDLERS = {
    **directory.HANDLERS,
    CommitmentFiled.event_type: on_commitment_filed,
    SelfReflectionRecorded.event_type: on_self_reflection,
    CommitmentReported.event_type: on_commitment_reported,
    CommitmentRated.event_type: on_commitment_rated,
    SessionHeld.event_type: on_session,
    SessionAmended.event_type: on_session,
    HonorRecorded.event_type: on_honor_recorded,
    HonorRevoked.event_type: on_honor_revoked,
    InspectionOpened.event_type: on_inspection_opened,
    InspectionConcluded.event_type: on_inspection_concluded,
    DisciplineImposed.event_type: on_discipline_imposed,
}
TOPICS = [*directory.TOPICS, COMMITMENTS.name, SESSIONS.name, HONORS.name, INSPECTIONS.name]
