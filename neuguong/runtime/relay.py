"""The outbox relay: one active per service, publishing committed events in outbox order."""

import asyncio
import logging
import time

import asyncpg
from aiokafka import AIOKafkaProducer

from neuguong.runtime import locks
from neuguong.runtime.kafka import client_options
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.settings import Settings

log = logging.getLogger(__name__)

TRY_LEADERSHIP = f"SELECT pg_try_advisory_lock({locks.RELAY_LEADER}, hashtext(current_schema()))"
SELECT_UNPUBLISHED = """
SELECT id, topic, key, body, headers FROM outbox
WHERE published_at IS NULL ORDER BY id LIMIT $1
"""
MARK_PUBLISHED = "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])"
SELECT_BACKLOG = """
SELECT count(*) AS backlog, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest_age
FROM outbox WHERE published_at IS NULL
"""
# Published rows are kept a while for inspection, then removed so the table does not grow forever.
DELETE_PUBLISHED = """
DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox WHERE published_at < now() - make_interval(secs => $1) LIMIT 10000)
"""


class OutboxRelay:
    """Publishes outbox rows with an idempotent producer (acks=all) and marks them sent after the ack."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool, metrics: RuntimeMetrics) -> None:
        self.settings = settings
        self.pool = pool
        self.metrics = metrics
        self.is_leader = False
        self.producer: AIOKafkaProducer | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._housekept = 0.0

    async def start(self) -> None:
        """Start relaying in the background."""
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.settings.service}")

    async def stop(self) -> None:
        """Stop relaying; rows not yet marked are published again by the next leader."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                async with self.pool.acquire() as leader_conn:
                    await self._lead(leader_conn)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.is_leader = False
                log.exception("outbox relay failed; restarting")
                self.metrics.relay_errors.labels(self.settings.service).inc()
                await asyncio.sleep(1.0)

    async def _lead(self, conn: asyncpg.Connection) -> None:
        # The session-level advisory lock is released when this connection closes or dies.
        while not await conn.fetchval(TRY_LEADERSHIP):
            await asyncio.sleep(self.settings.relay_poll_seconds)
        self.is_leader = True
        channel = f"outbox_{self.settings.schema}"
        await conn.add_listener(channel, self._on_notify)
        self.producer = AIOKafkaProducer(**client_options(self.settings), client_id=f"{self.settings.service}-relay",
                                         enable_idempotence=True, acks="all", linger_ms=5)
        await self.producer.start()
        try:
            while True:
                self._wake.clear()
                published = await self.publish_pending()
                await self._housekeep(conn)
                if published < self.settings.relay_batch_size:
                    await self._sleep_until_woken()
        finally:
            self.is_leader = False
            await conn.remove_listener(channel, self._on_notify)
            await self.producer.stop()
            self._forget_backlog()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _sleep_until_woken(self) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=self.settings.relay_poll_seconds)
        except TimeoutError:
            pass

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows in id order; mark them after every ack."""
        rows = await self.pool.fetch(SELECT_UNPUBLISHED, self.settings.relay_batch_size)
        if not rows:
            return 0
        # send() queues in call order per partition and the producer is idempotent, so each key's
        # events keep their outbox order; all of the batch is in flight before the first ack.
        sends = [
            await self.producer.send(
                self.settings.topic(row["topic"]),
                value=row["body"],
                key=row["key"].encode(),
                headers=[(k, v.encode()) for k, v in row["headers"].items()],
            )
            for row in rows
        ]
        await asyncio.gather(*sends)
        await self.after_publish(rows)
        await self.pool.execute(MARK_PUBLISHED, [row["id"] for row in rows])
        self.metrics.outbox_published.labels(self.settings.service).inc(len(rows))
        return len(rows)

    async def after_publish(self, rows: list[asyncpg.Record]) -> None:
        """Seam between the broker's ack and the mark; fault tests stop a relay here."""

    async def _housekeep(self, conn: asyncpg.Connection) -> None:
        # The backlog scan and the clean-up run on a timer, not once per published batch.
        now = time.monotonic()
        if now - self._housekept < self.settings.lag_interval_seconds:
            return
        self._housekept = now
        row = await conn.fetchrow(SELECT_BACKLOG)
        self.metrics.outbox_backlog.labels(self.settings.service).set(row["backlog"])
        self.metrics.outbox_oldest_age.labels(self.settings.service).set(float(row["oldest_age"]))
        self.metrics.relay_heartbeat.labels(self.settings.service).set(time.time())
        await conn.execute(DELETE_PUBLISHED, self.settings.outbox_retention_seconds)

    def _forget_backlog(self) -> None:
        # Only the leader reports the backlog; a replica that lost the lock must not keep a frozen value.
        for gauge in (self.metrics.outbox_backlog, self.metrics.outbox_oldest_age, self.metrics.relay_heartbeat):
            try:
                gauge.remove(self.settings.service)
            except KeyError:
                pass
