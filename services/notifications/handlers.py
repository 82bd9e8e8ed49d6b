"""services/notifications in two tables: the commands it takes (COMMANDS: channels and their deliveries) and
the events it consumes (HANDLERS). Each command handler authorises (access), decides (logic), writes (store)
and answers; none causes an event (deliveries do, once the worker has sent them)."""

import logging

import asyncpg

from neuguong.runtime import directory
from neuguong.runtime.auth import Principal
from neuguong.runtime.clock import Clock
from neuguong.runtime.commands import Answer
from neuguong.runtime.errors import Conflict, refuse
from neuguong.runtime.logs import correlation_id
from neuguong.runtime.settings import Settings
from schemas import Envelope, uuid7
from schemas.honors import HonorRecorded, HonorRevoked
from schemas.topics import HONORS
from services.notifications import access, logic, store
from services.notifications.commands import BackfillChannel, ChangeChannel, RegisterChannel, RetryDeliveries
from services.notifications.privacy import name_to_keep
from services.notifications.targets import default_networks
from services.notifications.transport import TargetGuard
from services.notifications.views import channel_view

log = logging.getLogger(__name__)

BACKFILL_BATCH = 1000
"""Honors one backfill request queues at most: its transaction holds the lock of the honors consumer."""


async def register_channel(
    conn: asyncpg.Connection,
    command: RegisterChannel,
    principal: Principal,
    clock: Clock,
    *,
    settings: Settings,
    targets: TargetGuard | None = None,
) -> Answer:
    """Register a channel following a unit of the caller's subtree (publishers and operators), at a URL it
    may reach (never this host, the private network or cloud metadata, unless allow-listed)."""
    access.require_manager(principal)
    refuse(logic.https_refusal(settings.environment, command.url.scheme))
    refuse(await guard(targets, settings).url_refusal(str(command.url)))
    path = await access.unit_for_channels(conn, principal, command.unit_id)
    now = clock.now()
    row = await store.insert_channel(
        conn,
        {
            **command.model_dump(exclude={"secret", "url"}),
            "url": str(command.url),
            "secret": command.secret.get_secret_value(),
            "unit_path": path,
            "created_by": principal.sub,
            "created_at": now,
        },
    )
    if row is None:
        existing = await store.select_channel(conn, command.channel_id)
        if principal.unit not in existing["unit_path"]:  # another subtree's channel: say taken, show nothing
            raise Conflict("channel_id", f"{command.channel_id} is already taken; choose another id")
        raise Conflict(
            "channel_id", f"{command.channel_id} is already registered", existing=channel_view(existing, now)
        )
    return Answer(201, channel_view(row, now))


async def change_channel(
    conn: asyncpg.Connection,
    command: ChangeChannel,
    principal: Principal,
    clock: Clock,
    *,
    settings: Settings,
    targets: TargetGuard | None = None,
) -> Answer:
    """Rename, move, switch off or on, or rotate the secret of a channel of the caller's subtree; a replaced
    secret keeps signing for the window the change names, counted from the clock."""
    access.require_manager(principal)
    given = command.given()
    refuse(logic.change_refusal(given))
    if command.url is not None:
        refuse(logic.https_refusal(settings.environment, command.url.scheme))
        refuse(await guard(targets, settings).url_refusal(str(command.url)))
    await access.channel_in_reach(conn, principal, command.channel_id)
    now = clock.now()
    row = await store.change_channel(
        conn,
        command.channel_id,
        {
            **command.model_dump(include=given - {"secret", "url", "previous_secret_valid_hours"}),
            "url": str(command.url) if command.url else None,
            "secret": command.secret.get_secret_value() if command.secret else None,
            "previous_secret_valid_until": logic.previous_secret_valid_until(now, command.previous_secret_valid_hours),
        },
        principal.sub,
        now,
    )
    return Answer(200, channel_view(row, now))


def guard(targets: TargetGuard | None, settings: Settings) -> TargetGuard:
    """The service's target guard; without one (a bus built by hand), the environment's default."""
    return targets or TargetGuard(default_networks(settings.environment))


async def backfill_channel(
    conn: asyncpg.Connection, command: BackfillChannel, principal: Principal, clock: Clock
) -> Answer:
    """Queue publications to a channel of the honors on the roll it follows, recorded since a day (Vietnam
    time), the oldest BACKFILL_BATCH at a time (`more`: send again). They carry the request's correlation id."""
    access.require_manager(principal)
    await store.lock_feed(conn)  # first, in the order the honors consumer takes its locks
    await access.channel_in_reach(conn, principal, command.channel_id)
    since = logic.start_of_local_day(command.recorded_since)
    # The request's correlation id (the runtime's middleware set it): the deliveries' events will carry it.
    queued, more = await store.queue_backfill(
        conn, command.channel_id, since, logic.LEVELS, correlation_id.get() or str(uuid7()), BACKFILL_BATCH
    )
    log.info(
        "channel backfilled",
        extra={
            "channel_id": command.channel_id,
            "requested_by": principal.sub,
            "recorded_since": command.recorded_since.isoformat(),
            "queued": queued,
            "more": more,
        },
    )
    return Answer(
        200,
        {
            "channel_id": command.channel_id,
            "recorded_since": command.recorded_since.isoformat(),
            "queued": queued,
            "more": more,
        },
    )


async def retry_deliveries(
    conn: asyncpg.Connection, command: RetryDeliveries, principal: Principal, clock: Clock
) -> Answer:
    """Dead-lettered deliveries of the operator's subtree's channels back to pending, with a fresh round."""
    access.require_operator(principal)
    retried = await store.retry_dead(conn, command.delivery_ids, command.channel_id, under_unit=principal.unit)
    return Answer(200, {"retried": [str(i) for i in retried]})


async def on_honor_recorded(conn: asyncpg.Connection, event: HonorRecorded, envelope: Envelope) -> None:
    """Keep the honor's public fields and queue one publication per channel that follows it."""
    if await store.revoked_before_recorded(conn, event.honor_id):
        return  # replayed from a dead letter after its revocation: it must never go out
    stored = await store.insert_honor(
        conn,
        {
            "honor_id": event.honor_id,
            "subject_kind": event.subject.kind,
            "recording_unit_id": event.recording_unit_id,
            "subject_name": name_to_keep(event.subject.kind, event.subject.name, event.consent_to_publish),
            "unit_path": envelope.unit_path,
            "level": event.level,
            "period": event.period,
            "deed": event.deed,
            "approved_by": event.approved_by,
            "recorded_at": envelope.occurred_at,
        },
    )
    if not stored:
        return
    channels = [
        c["channel_id"]
        for c in await store.select_channels_on_path(conn, envelope.unit_path)
        if logic.channel_follows(c["unit_id"], c["min_level"], envelope.unit_path, event.level)
    ]
    if channels:
        await store.insert_deliveries(
            conn,
            [uuid7() for _ in channels],
            channels,
            event.honor_id,
            "publish",
            envelope.correlation_id,
            str(envelope.event_id),
        )


async def on_honor_revoked(conn: asyncpg.Connection, event: HonorRevoked, envelope: Envelope) -> None:
    """Cancel publications never attempted; queue a retraction wherever one was attempted."""
    if not await store.revoke_honor(conn, event.honor_id, envelope.occurred_at):
        await store.remember_early_revocation(conn, event.honor_id, envelope.occurred_at)
        return
    await store.cancel_unattempted(conn, event.honor_id)
    channels = await store.select_attempted_channels(conn, event.honor_id)
    if channels:
        await store.insert_deliveries(
            conn,
            [uuid7() for _ in channels],
            channels,
            event.honor_id,
            "retract",
            envelope.correlation_id,
            str(envelope.event_id),
        )


COMMANDS = {
    RegisterChannel: register_channel,
    ChangeChannel: change_channel,
    BackfillChannel: backfill_channel,
    RetryDeliveries: retry_deliveries,
}
HANDLERS = {
    **directory.HANDLERS,
    HonorRecorded.event_type: on_honor_recorded,
    HonorRevoked.event_type: on_honor_revoked,
}
TOPICS = [*directory.TOPICS, HONORS.name]
