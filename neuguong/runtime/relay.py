"""The outbox relay: one active per service, publishing committed events in outbox order, key by key."""

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from neuguong.runtime import housekeeping, publishing
from neuguong.runtime.kafka import client_options, key_partitioner
from neuguong.runtime.leadership import Leadership, LeadershipLost
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.settings import RECORD_ALLOWANCE, Settings

log = logging.getLogger(__name__)

# The next rows to publish, in id order (migrations/0005_outbox_next.sql says which, and how it is planned).
SELECT_UNPUBLISHED = "SELECT id, topic, key, body, headers FROM outbox_next($1, $2, $3)"
# Marks and parks name the relay's term; the share lock orders them against a takeover (START_TERM):
# a mark either commits before the next leader starts, or finds the new term and changes nothing.
MARK_PUBLISHED = """
WITH lead AS (SELECT term FROM relay_leadership WHERE term = $2 FOR SHARE),
marked AS (UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[]) AND EXISTS (SELECT FROM lead))
SELECT EXISTS (SELECT FROM lead) AS leading
"""
PARK_ROW = """
WITH lead AS (SELECT term FROM relay_leadership WHERE term = $3 FOR SHARE),
parked AS (UPDATE outbox SET parked_at = now(), parked_reason = $2
           WHERE id = $1 AND published_at IS NULL AND EXISTS (SELECT FROM lead))
SELECT EXISTS (SELECT FROM lead) AS leading
"""


class OutboxRelay:
    """Publishes outbox rows with an idempotent producer (acks=all) and marks them sent after the ack."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool, metrics: RuntimeMetrics) -> None:
        self.settings = settings
        self.pool = pool
        self.metrics = metrics
        self.is_leader = False
        self.term = 0
        self.producer: AIOKafkaProducer | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._housekept = 0.0
        self._pause = False

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
                await self._lead()
            except asyncio.CancelledError:
                raise
            except LeadershipLost as lost:
                log.warning("outbox relay lost its leadership", extra={"term": self.term, "reason": str(lost)})
                await asyncio.sleep(self.settings.relay_poll_seconds)
            except Exception:
                log.exception("outbox relay failed; restarting")
                self.metrics.relay_errors.labels(self.settings.service).inc()
                await asyncio.sleep(1.0)

    async def _lead(self) -> None:
        leadership = Leadership(self.settings)
        try:
            self.term = await leadership.acquire(self._on_notify)
            self.is_leader = True
            await self._renew_producer()
            await _until_either_ends(leadership.keep(), self._relay())
        finally:
            self.is_leader = False
            await leadership.release()
            if self.producer is not None:
                await self.producer.stop()
                self.producer = None
            housekeeping.forget(self.metrics, self.settings.service)

    async def _relay(self) -> None:
        while True:
            self._wake.clear()
            settled = await self.relay_pipelined()
            await self._housekeep(self.pool)
            if self._pause:
                await asyncio.sleep(self.settings.relay_poll_seconds)
            elif settled < self.settings.relay_batch_size:
                await self._sleep_until_woken()

    async def relay_pipelined(self) -> int:
        """Publish batches back to back until one comes back short; the number settled in that last one.

        Three things overlap: batch N is in flight at the broker while batch N+1 is selected, and N's mark
        (one statement, naming the term) runs while N+1 is in flight. N+1 is selected leaving out every row
        of N and the rows acknowledged but not yet marked. It stands only if every row of N was acknowledged:
        then no key of N has a row left behind, and a key's rows are in id order (one writer per key at a
        time), so no row of N+1 can overtake one of its key. Otherwise (a row failed, was refused or parked,
        or stopped behind one of its key) N+1 is dropped unsent and selected again once N's outcome is
        written down: a key never overtakes itself. N's mark is awaited once N+1 is acknowledged, so at most one
        mark is outstanding; a fenced mark ends the term, and what the relay published meanwhile (one batch at
        most) is left unmarked for the next leader, a duplicate the inbox absorbs."""
        batch_size = self.settings.relay_batch_size
        marking: asyncio.Task[None] | None = None
        selecting: asyncio.Task[list[asyncpg.Record]] | None = None
        marking_ids: list[int] = []
        try:
            rows = await self._select([])
            while rows:
                ids = [row["id"] for row in rows]
                publishing = asyncio.create_task(self._publish(rows))
                full = len(rows) >= batch_size and not self._pause
                selecting = asyncio.create_task(self._select(ids + marking_ids)) if full else None
                acked, settled = await publishing
                if marking is not None:
                    await marking  # raises LeadershipLost when the term is over
                    marking = None
                marking_ids = [row["id"] for row in acked]
                if acked:
                    await self.after_publish(acked)
                    marking = asyncio.create_task(self._mark(acked))
                if selecting is None or self._pause:
                    break
                if len(acked) < len(rows):  # a key may have a row left behind: select again, knowing it
                    await _cancelled(selecting)
                    selecting = None
                    rows = await self._select(marking_ids)
                else:
                    rows, selecting = await selecting, None
                await self._housekeep(self.pool)
            else:
                settled = 0
            if marking is not None:
                await marking
                marking = None
            return settled
        finally:
            for task in (selecting, marking):
                if task is not None:
                    await _cancelled(task)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _sleep_until_woken(self) -> None:
        try:
            async with asyncio.timeout(self.settings.relay_poll_seconds):  # wait_for can swallow a cancel (3.11)
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _renew_producer(self) -> AIOKafkaProducer:
        # A send refused by the broker leaves the idempotent producer's sequence numbers ahead of the
        # partition's: the next batch there would fail. A new producer (a new producer id) starts afresh.
        if self.producer is not None:
            await self.producer.stop()
        self.producer = AIOKafkaProducer(
            **client_options(self.settings),
            client_id=f"{self.settings.service}-relay",
            partitioner=key_partitioner,
            max_batch_size=self.settings.relay_record_batch_bytes,
            enable_idempotence=True,
            acks="all",
            linger_ms=self.settings.relay_linger_ms,
            max_request_size=max(1024 * 1024, self.settings.topic_max_message_bytes + RECORD_ALLOWANCE),
        )
        await self.producer.start()
        return self.producer

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows, key by key in id order; park rows the broker refuses for
        good, mark the acknowledged ones; the number of rows settled (published or parked)."""
        rows = await self._select([])
        if not rows:
            return 0
        acked, settled = await self._publish(rows)
        if acked:
            await self.after_publish(acked)
            await self._mark(acked)
        return settled

    async def _select(self, leaving_out: list[int]) -> list[asyncpg.Record]:
        highest = max(leaving_out, default=0)
        return await self.pool.fetch(SELECT_UNPUBLISHED, self.settings.relay_batch_size, leaving_out, highest)

    async def _publish(self, rows: list[asyncpg.Record]) -> tuple[list[asyncpg.Record], int]:
        """Send the rows key by key in id order, set aside (or park) the refused ones; the acknowledged rows
        and how many were settled (acknowledged or parked)."""
        if self.producer is None:
            raise RuntimeError("the relay publishes only while it leads (no producer)")
        sent = await publishing.send_in_key_order(self.producer, self.settings.topic, rows)
        parked = await self._set_aside(sent) if sent.refused or sent.spoiled else 0
        self._pause = sent.worth_a_pause
        if sent.failed:
            row, error = sent.failed[0]
            log.warning(
                "outbox rows not published; their keys wait for the next round",
                extra={"rows": len(sent.failed), "first_id": row["id"], "error": f"{type(error).__name__}: {error}"},
            )
            if self._pause:
                self.metrics.relay_errors.labels(self.settings.service).inc()
        return sent.acked, len(sent.acked) + parked

    async def after_publish(self, rows: list[asyncpg.Record]) -> None:
        """Seam between the broker's ack and the mark; fault tests stop a relay here."""

    async def _set_aside(self, sent: publishing.Sent) -> int:
        """Send each refused row again alone on a fresh producer: a row that only shared a refused batch
        goes through, one refused again is parked. The number parked."""
        parked = 0
        producer = await self._renew_producer()
        for row, _ in sorted(sent.refused, key=lambda refusal: refusal[0]["id"]):
            try:
                await publishing.send(producer, self.settings.topic(row["topic"]), row)
                sent.acked.append(row)
            except publishing.REFUSED as error:
                await self._park(row, error)
                parked += 1
                producer = await self._renew_producer()
            except KafkaError as error:
                sent.failed.append((row, error))
                producer = await self._renew_producer()
        return parked

    async def _park(self, row: asyncpg.Record, error: BaseException) -> None:
        reason = f"{type(error).__name__}: {error}"[:2000]
        await self._fenced(PARK_ROW, row["id"], reason, self.term)
        self.metrics.outbox_parked.labels(self.settings.service).inc()
        log.error(
            "outbox row parked: the broker refuses it; later rows of its key wait for an operator",
            extra={"id": row["id"], "topic": row["topic"], "key": row["key"], "error": reason},
        )

    async def _mark(self, rows: list[asyncpg.Record]) -> None:
        await self._fenced(MARK_PUBLISHED, [row["id"] for row in rows], self.term)
        self.metrics.outbox_published.labels(self.settings.service).inc(len(rows))

    async def _fenced(self, statement: str, *args: Any) -> None:
        answer = await self.pool.fetchrow(statement, *args)
        if not answer["leading"]:
            self.metrics.relay_fenced.labels(self.settings.service).inc()
            raise LeadershipLost(f"term {self.term} is over; the rows are left to the leader of a later one")

    async def _housekeep(self, conn: asyncpg.Pool | asyncpg.Connection) -> None:
        # The backlog scan and the clean-ups run on a timer, not once per published batch.
        now = time.monotonic()
        if now - self._housekept < self.settings.lag_interval_seconds:
            return
        self._housekept = now
        await housekeeping.housekeep(conn, self.settings, self.metrics)


async def _until_either_ends(*work: Coroutine[Any, Any, None]) -> None:
    """Run the coroutines together until one ends (returns or raises); cancel the others; raise its error."""
    tasks = [asyncio.create_task(w) for w in work]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()


async def _cancelled(task: asyncio.Task[Any]) -> None:
    """Cancel a task and wait until it ended, whatever its outcome."""
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
