"""services/projections in two tables: the commands it takes (COMMANDS: none, see commands.py) and the
events it consumes (HANDLERS), each handler moving the figures of every unit on the event's unit_path."""

import asyncpg

from neuguong.periods import period_bounds, periods_of
from neuguong.runtime import directory
from schemas import CommitmentFiled, Envelope, HonorRecorded, MemberRegistered, OrgUnitRegistered, SessionHeld
from schemas.commitments import (
    CommitmentRated,
    CommitmentReported,
    SelfReflectionRecorded,
    SessionAmended,
    ThematicTopicIssued,
)
from schemas.honors import HonorNominated, HonorRejected, HonorRevoked
from schemas.inspections import DisciplineImposed, InspectionConcluded, InspectionOpened
from schemas.notifications import PublicityDelivered, PublicityRetracted
from schemas.topics import COMMITMENTS, HONORS, INSPECTIONS, NOTIFICATIONS, SESSIONS
from services.projections import facts, logic, store


async def on_unit_registered(conn: asyncpg.Connection, event: OrgUnitRegistered, envelope: Envelope) -> None:
    """Keep the unit as every service does, and its kind (a territorial or a bloc's committee)."""
    await directory.on_unit_registered(conn, event, envelope)
    await facts.remember_unit_kind(conn, event.unit_id, event.kind)


async def on_member_registered(conn: asyncpg.Connection, event: MemberRegistered, envelope: Envelope) -> None:
    """Keep the member as every service does, and the day they left (the directory as it stood)."""
    await directory.on_member_registered(conn, event, envelope)
    await facts.remember_departure(conn, event.member_id, event.left_on if event.left else None)


async def on_commitment_filed(conn: asyncpg.Connection, event: CommitmentFiled, envelope: Envelope) -> None:
    """Count the commitment for every unit on its path, in its year; the 'filed' act is what the list of members
    without a commitment reads."""
    await facts.remember_act(
        conn,
        "filed",
        event.member_id,
        str(event.year),
        period_bounds(str(event.year)),
        envelope.unit_path,
        event.is_leader,
        event.is_head,
    )
    await store.add_to_figures(conn, envelope.unit_path, [str(event.year)], logic.commitment_figures(event))


async def on_self_reflection(conn: asyncpg.Connection, event: SelfReflectionRecorded, envelope: Envelope) -> None:
    """Count the monthly self-review in its month, quarter, half and year."""
    await facts.remember_act(
        conn, "self_reviewed", event.member_id, event.month, period_bounds(event.month), envelope.unit_path
    )
    await store.add_to_figures(conn, envelope.unit_path, logic.month_periods(event.month), ["self_reflections"])


async def on_commitment_reported(conn: asyncpg.Connection, event: CommitmentReported, envelope: Envelope) -> None:
    """Count the year-end report in its year."""
    await facts.remember_act(
        conn,
        "reported",
        event.member_id,
        str(event.year),
        period_bounds(str(event.year)),
        envelope.unit_path,
        event.is_leader,
        event.is_head,
    )
    await store.add_to_figures(conn, envelope.unit_path, [str(event.year)], logic.report_figures(event))


async def on_commitment_rated(conn: asyncpg.Connection, event: CommitmentRated, envelope: Envelope) -> None:
    """Move the rating distribution: a re-rating takes the earlier rating out first."""
    period = str(event.year)
    await facts.remember_act(
        conn,
        "rated",
        event.member_id,
        period,
        period_bounds(period),
        envelope.unit_path,
        event.is_leader,
        event.is_head,
    )
    previous = await store.swap_rating(
        conn, event.commitment_id, event.rating, period, envelope.unit_path, event.is_leader, event.is_head
    )
    if previous is None:
        await store.add_to_figures(
            conn,
            envelope.unit_path,
            [period],
            logic.leadership_split("commitments_rated", event.is_leader, event.is_head),
        )
    else:
        await store.add_to_figures(
            conn,
            list(previous["unit_path"]),
            [previous["period"]],
            logic.rating_figures(previous["rating"], previous["is_leader"], previous["is_head"]),
            -1,
        )
    await store.add_to_figures(
        conn, envelope.unit_path, [period], logic.rating_figures(event.rating, event.is_leader, event.is_head)
    )


async def on_session(conn: asyncpg.Connection, event: SessionHeld | SessionAmended, envelope: Envelope) -> None:
    """Count a session by kind in its month's periods; an amendment moves it if kind or month changed."""
    previous = await store.swap_session(conn, event, envelope.unit_path)
    if previous is not None:
        await store.add_to_figures(
            conn,
            list(previous["unit_path"]),
            logic.month_periods(previous["month"]),
            [logic.session_figure(previous["kind"])],
            -1,
        )
    await store.add_to_figures(
        conn, envelope.unit_path, logic.month_periods(event.month), [logic.session_figure(event.kind)]
    )


async def on_topic_issued(conn: asyncpg.Connection, event: ThematicTopicIssued, envelope: Envelope) -> None:
    """Add a thematic topic to the catalogue; the cells that took it up are counted at query time."""
    await facts.remember_topic(conn, event, envelope.unit_path)


async def on_honor_recorded(conn: asyncpg.Connection, event: HonorRecorded, envelope: Envelope) -> None:
    """Count the honor by level and subject kind in its period and every longer period containing it; an
    honor that answers a nomination counts it approved."""
    if await store.remember_honor(conn, event, envelope.unit_path):
        figures = logic.honor_figures(event.level, event.subject.kind)
        if event.nomination_id:
            figures.append("nominations_approved")
        await store.add_to_figures(conn, envelope.unit_path, logic.covering_periods(event.period), figures)


async def on_honor_nominated(conn: asyncpg.Connection, event: HonorNominated, envelope: Envelope) -> None:
    """Count a nomination sent up, in its period and every longer one."""
    await store.add_to_figures(conn, envelope.unit_path, logic.covering_periods(event.period), ["nominations_sent"])


async def on_honor_rejected(conn: asyncpg.Connection, event: HonorRejected, envelope: Envelope) -> None:
    """Count a nomination turned down, in its period and every longer one."""
    await store.add_to_figures(conn, envelope.unit_path, logic.covering_periods(event.period), ["nominations_rejected"])


async def on_honor_revoked(conn: asyncpg.Connection, event: HonorRevoked, envelope: Envelope) -> None:
    """Take a revoked honor out of the figures it was counted in; count the revocation and its cause."""
    cause = logic.revocation_cause(event.inspection_id, event.discipline_id)
    honor = await store.revoke_honor(conn, event.honor_id, event.reason, cause)
    if honor is not None:
        periods, path = logic.covering_periods(honor["period"]), list(honor["unit_path"])
        await store.add_to_figures(conn, path, periods, logic.honor_figures(honor["level"], honor["subject_kind"]), -1)
        await store.add_to_figures(conn, path, periods, logic.revocation_figures(cause))
    elif await store.remember_revoked_honor(conn, event, envelope.unit_path, cause):
        periods = logic.covering_periods(event.period)
        await store.add_to_figures(conn, envelope.unit_path, periods, logic.revocation_figures(cause))


async def on_inspection_opened(conn: asyncpg.Connection, event: InspectionOpened, envelope: Envelope) -> None:
    """Count an opened inspection or supervision in the periods of its opening day; note whom it checks."""
    await facts.remember_check(conn, event, envelope.unit_path)
    await store.add_to_figures(
        conn, envelope.unit_path, periods_of(event.opened_on), logic.inspection_figures(event.kind, event.target.kind)
    )


async def on_inspection_concluded(conn: asyncpg.Connection, event: InspectionConcluded, envelope: Envelope) -> None:
    """Count a conclusion in the periods of the day it was reached."""
    await facts.conclude_check(conn, event.inspection_id, event.conclusion, event.concluded_on)
    await store.add_to_figures(
        conn, envelope.unit_path, periods_of(event.concluded_on), logic.conclusion_figures(event.kind, event.conclusion)
    )


async def on_discipline_imposed(conn: asyncpg.Connection, event: DisciplineImposed, envelope: Envelope) -> None:
    """Count a discipline in the periods of its decision; note whom it struck."""
    await facts.remember_discipline(conn, event, envelope.unit_path)
    await store.add_to_figures(
        conn, envelope.unit_path, periods_of(event.decided_on), logic.discipline_figures(event.measure)
    )


async def on_publicity(
    conn: asyncpg.Connection, event: PublicityDelivered | PublicityRetracted, envelope: Envelope
) -> None:
    """Note a publication or a retraction a channel acknowledged; it counts under the honor's recording unit,
    read at query time, so a delivery ahead of its honor counts once the honor is noted."""
    await facts.remember_delivery(conn, logic.publicity_kind(event.event_type), event)


COMMANDS: dict = {}
"""No commands: the read models change only by events (see commands.py)."""
HANDLERS = {
    **directory.HANDLERS,
    OrgUnitRegistered.event_type: on_unit_registered,
    MemberRegistered.event_type: on_member_registered,
    CommitmentFiled.event_type: on_commitment_filed,
    SelfReflectionRecorded.event_type: on_self_reflection,
    CommitmentReported.event_type: on_commitment_reported,
    CommitmentRated.event_type: on_commitment_rated,
    SessionHeld.event_type: on_session,
    SessionAmended.event_type: on_session,
    ThematicTopicIssued.event_type: on_topic_issued,
    HonorRecorded.event_type: on_honor_recorded,
    HonorRevoked.event_type: on_honor_revoked,
    HonorNominated.event_type: on_honor_nominated,
    HonorRejected.event_type: on_honor_rejected,
    InspectionOpened.event_type: on_inspection_opened,
    InspectionConcluded.event_type: on_inspection_concluded,
    DisciplineImposed.event_type: on_discipline_imposed,
    PublicityDelivered.event_type: on_publicity,
    PublicityRetracted.event_type: on_publicity,
}
TOPICS = [*directory.TOPICS, COMMITMENTS.name, SESSIONS.name, HONORS.name, INSPECTIONS.name, NOTIFICATIONS.name]
