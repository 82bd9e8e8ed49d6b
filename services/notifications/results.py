"""What an attempt's outcome does to a delivery, its channel's breaker and the events, in one transaction."""

import logging
from datetime import datetime

import asyncpg

from neuguong.runtime import outbox
from schemas.notifications import DeliveryDeadLettered, PublicityDelivered, PublicityRetracted
from services.notifications import logic, store
from services.notifications.metrics import DeliveryMetrics
from services.notifications.settings import DeliverySettings

log = logging.getLogger(__name__)


async def record_result(
    conn: asyncpg.Connection,
    settings: DeliverySettings,
    metrics: DeliveryMetrics,
    meta: outbox.EventMeta,
    row: asyncpg.Record,
    lease: datetime,
    outcome: logic.Outcome,
) -> datetime | None:
    """Settle, reschedule or dead-letter the delivery, while `lease` is still its lease (else nothing at all:
    another replica reclaimed it and its result counts); until when its channel is now paused, if it is."""
    kind, attempt = row["kind"], row["attempts"]
    step = logic.next_step(attempt, settings.max_attempts, outcome, kind)
    if step == "retry":
        delay = logic.retry_delay(
            attempt,
            outcome,
            settings.backoff_base_seconds,
            settings.backoff_cap_seconds,
            settings.retry_after_cap_seconds,
        )
        ours = await store.reschedule(conn, row["delivery_id"], lease, delay, outcome.status, outcome.error)
    else:
        state, error = ("sent", "") if step == "settle" else ("dead", outcome.error)
        ours = await store.settle(conn, row["delivery_id"], lease, state, outcome.status, error)
    if not ours:
        lease_lost(metrics, row, "settle")
        return None
    if step == "settle":
        await store.channel_succeeded(conn, row["channel_id"])
        settled = PublicityDelivered if kind == "publish" else PublicityRetracted
        event = settled(**event_fields(row))
        await outbox.record(conn, meta, (event, list(row["unit_path"])))
        metrics.attempts.labels(kind, "sent").inc()
        metrics.breaker_is(row["channel_id"], "closed")
        return None
    if step == "retry":
        metrics.attempts.labels(kind, "retried").inc()
    else:
        dead = DeliveryDeadLettered(
            **event_fields(row), kind=kind, last_status=outcome.status, last_error=outcome.error[:500]
        )
        await outbox.record(conn, meta, (dead, list(row["unit_path"])))
        metrics.attempts.labels(kind, "dead_lettered").inc()
        metrics.dead_letters.labels(row["channel_id"]).inc()
    failures = await store.channel_failed(conn, row["channel_id"])
    if not logic.breaker_trips(failures, settings.breaker_threshold):
        return None
    metrics.breaker_is(row["channel_id"], "open")
    return await store.pause_channel(conn, row["channel_id"], settings.breaker_cooldown_seconds)


def event_fields(row: asyncpg.Record) -> dict:
    """What every event of a delivery says of it."""
    return {
        "delivery_id": str(row["delivery_id"]),
        "honor_id": row["honor_id"],
        "channel_id": row["channel_id"],
        "channel_kind": row["channel_kind"],
        "level": row["level"],
        "period": row["period"],
        "attempts": row["attempts"],
    }


def lease_lost(metrics: DeliveryMetrics, row: asyncpg.Record, at: str) -> None:
    """Count and log a claim that ran out before this worker could use it (`at`: attempt or settle)."""
    metrics.lease_lost.labels(row["kind"], at).inc()
    log.warning(
        "delivery lease lost; another replica has it",
        extra={"delivery_id": str(row["delivery_id"]), "channel_id": row["channel_id"], "at": at},
    )
