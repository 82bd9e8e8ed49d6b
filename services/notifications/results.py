"""What an attempt's outcome does to a delivery, its channel's breaker and the events, in one transaction."""

from datetime import datetime

import asyncpg

from neuguong.runtime import outbox
from schemas.notifications import DeliveryDeadLettered, PublicityDelivered, PublicityRetracted
from services.notifications import logic, store
from services.notifications.metrics import DeliveryMetrics
from services.notifications.settings import DeliverySettings


async def record_result(conn: asyncpg.Connection, settings: DeliverySettings, metrics: DeliveryMetrics,
                        meta: outbox.EventMeta, row: asyncpg.Record, outcome: logic.Outcome) -> datetime | None:
    """Settle, reschedule or dead-letter the delivery; until when its channel is now paused, if it is."""
    kind, attempt = row["kind"], row["attempts"]
    step = logic.next_step(attempt, settings.max_attempts, outcome, kind)
    fields = {"delivery_id": str(row["delivery_id"]), "honor_id": row["honor_id"], "channel_id": row["channel_id"],
              "channel_kind": row["channel_kind"], "level": row["level"], "period": row["period"], "attempts": attempt}
    if step == "settle":
        await store.settle(conn, row["delivery_id"], "sent", outcome.status, "")
        await store.channel_succeeded(conn, row["channel_id"])
        event = PublicityDelivered(**fields) if kind == "publish" else PublicityRetracted(**fields)
        await outbox.record(conn, meta, (event, list(row["unit_path"])))
        metrics.attempts.labels(kind, "sent").inc()
        metrics.breaker_is(row["channel_id"], "closed")
        return None
    if step == "retry":
        delay = logic.retry_delay(attempt, outcome, settings.backoff_base_seconds, settings.backoff_cap_seconds,
                                  settings.retry_after_cap_seconds)
        await store.reschedule(conn, row["delivery_id"], delay, outcome.status, outcome.error)
        metrics.attempts.labels(kind, "retried").inc()
    else:
        await store.settle(conn, row["delivery_id"], "dead", outcome.status, outcome.error)
        dead = DeliveryDeadLettered(**fields, kind=kind, last_status=outcome.status, last_error=outcome.error[:500])
        await outbox.record(conn, meta, (dead, list(row["unit_path"])))
        metrics.attempts.labels(kind, "dead_lettered").inc()
        metrics.dead_letters.labels(row["channel_id"]).inc()
    failures = await store.channel_failed(conn, row["channel_id"])
    if not logic.breaker_trips(failures, settings.breaker_threshold):
        return None
    metrics.breaker_is(row["channel_id"], "open")
    return await store.pause_channel(conn, row["channel_id"], settings.breaker_cooldown_seconds)
