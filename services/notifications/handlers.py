"""Every Kafka subscription of services/notifications, in one table."""

import asyncpg

from neuguong.runtime import directory
from schemas import Envelope, uuid7
from schemas.honors import HonorRecorded, HonorRevoked
from schemas.topics import HONORS
from services.notifications import logic, store
from services.notifications.privacy import name_to_keep


async def on_honor_recorded(conn: asyncpg.Connection, event: HonorRecorded, envelope: Envelope) -> None:
    """Keep the honor's public fields and queue one publication per channel that follows it."""
    if await store.revoked_before_recorded(conn, event.honor_id):
        return  # replayed from a dead letter after its revocation: it must never go out
    stored = await store.insert_honor(conn, {
        "honor_id": event.honor_id, "subject_kind": event.subject.kind, "recording_unit_id": event.recording_unit_id,
        "subject_name": name_to_keep(event.subject.kind, event.subject.name, event.consent_to_publish),
        "unit_path": envelope.unit_path, "level": event.level, "period": event.period, "deed": event.deed,
        "approved_by": event.approved_by, "recorded_at": envelope.occurred_at,
    })
    if not stored:
        return
    channels = [c["channel_id"] for c in await store.select_channels_on_path(conn, envelope.unit_path)
                if logic.channel_follows(c["unit_id"], c["min_level"], envelope.unit_path, event.level)]
    if channels:
        await store.insert_deliveries(conn, [uuid7() for _ in channels], channels, event.honor_id, "publish",
                                      envelope.correlation_id, str(envelope.event_id))


async def on_honor_revoked(conn: asyncpg.Connection, event: HonorRevoked, envelope: Envelope) -> None:
    """Cancel publications never attempted; queue a retraction wherever one was attempted."""
    if not await store.revoke_honor(conn, event.honor_id, envelope.occurred_at):
        await store.remember_early_revocation(conn, event.honor_id, envelope.occurred_at)
        return
    await store.cancel_unattempted(conn, event.honor_id)
    channels = await store.select_attempted_channels(conn, event.honor_id)
    if channels:
        await store.insert_deliveries(conn, [uuid7() for _ in channels], channels, event.honor_id, "retract",
                                      envelope.correlation_id, str(envelope.event_id))


HANDLERS = {
    **directory.HANDLERS,
    HonorRecorded.event_type: on_honor_recorded,
    HonorRevoked.event_type: on_honor_revoked,
}
TOPICS = [*directory.TOPICS, HONORS.name]
