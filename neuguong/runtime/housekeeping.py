"""What the leading relay keeps in order besides publishing: the outbox gauges, and the removal of what has
served its time (settled outbox rows, old idempotency answers)."""

import time

import asyncpg

from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.settings import Settings

SELECT_BACKLOG = """
SELECT count(*) FILTER (WHERE parked_at IS NULL) AS backlog, count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,
    coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE parked_at IS NULL)), 0) AS oldest_age
FROM outbox WHERE published_at IS NULL AND discarded_at IS NULL
"""
# Published and discarded rows are kept a while for inspection, then removed so the table does not grow forever.
DELETE_SETTLED = """
DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox WHERE coalesce(published_at, discarded_at) < now() - make_interval(secs => $1) LIMIT 10000)
"""
# An Idempotency-Key is answered from its record for NG_IDEMPOTENCY_RETENTION_SECONDS, then forgotten.
DELETE_OLD_ANSWERS = """
DELETE FROM idempotency WHERE (actor, key) IN (
    SELECT actor, key FROM idempotency WHERE created_at < now() - make_interval(secs => $1) LIMIT 10000)
"""


async def housekeep(conn: asyncpg.Pool | asyncpg.Connection, settings: Settings, metrics: RuntimeMetrics) -> None:
    """Report the backlog and the parked rows; delete settled rows and answers past their retention."""
    row = await conn.fetchrow(SELECT_BACKLOG)
    service = settings.service
    metrics.outbox_backlog.labels(service).set(row["backlog"])
    metrics.outbox_parked.labels(service).set(row["parked"])
    metrics.outbox_oldest_age.labels(service).set(float(row["oldest_age"]))
    metrics.relay_heartbeat.labels(service).set(time.time())
    await conn.execute(DELETE_SETTLED, settings.outbox_retention_seconds)
    await conn.execute(DELETE_OLD_ANSWERS, settings.idempotency_retention_seconds)


def forget(metrics: RuntimeMetrics, service: str) -> None:
    """Drop the leader's gauges: a replica that lost the lock must not keep reporting a frozen value."""
    for gauge in (metrics.outbox_backlog, metrics.outbox_parked, metrics.outbox_oldest_age, metrics.relay_heartbeat):
        try:
            gauge.remove(service)
        except KeyError:
            pass
