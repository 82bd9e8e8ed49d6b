"""What the checker reads, gathered from the fault stack once it has drained: every outbox, every topic
(read back with aiokafka), every inbox, the owning stores and read models of each command, and the webhook
receiver. Also the drain itself, table digests and the reset of consumer groups to the earliest offsets."""

import asyncio
import importlib
import time
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from neuguong.runtime.kafka import client_options
from neuguong.runtime.topics import topic_partitions
from ops.lag import group_lag
from ops.rebuild import table_digest
from schemas import decode
from schemas.envelope import EventDecodeError
from schemas.topics import ALL_TOPICS
from tests.faults.checker import Carried, History, Staged
from tests.faults.cluster import SERVICES, admin_connection, settings_of
from tests.faults.workload import Sent

EVENT_TOPICS = [t.name for t in ALL_TOPICS if not t.name.startswith("directory.")]
PUBLISHERS = ("commitments", "honors", "inspections", "notifications")

# Per kind of command: (its owning store, its read models), each a count query over the command's entity id.
STORES: dict[str, tuple[str, dict[str, str]]] = {
    "commitment.file": (
        "SELECT count(*) FROM commitments.commitments WHERE commitment_id = $1",
        {
            "projections.member_acts": "SELECT count(*) FROM projections.member_acts f"
            " JOIN commitments.commitments c ON f.act = 'filed' AND f.member_id = c.member_id"
            " AND f.period = c.year::text WHERE c.commitment_id = $1"
        },
    ),
    "commitment.amend": (
        "SELECT count(*) FROM commitments.commitment_versions WHERE commitment_id = $1 AND version >= 2",
        {},
    ),
    "session.record": (
        "SELECT count(*) FROM commitments.sessions WHERE session_id = $1",
        {"projections.held_sessions": "SELECT count(*) FROM projections.held_sessions WHERE session_id = $1"},
    ),
    "inspection.open": (
        "SELECT count(*) FROM inspections.inspections WHERE inspection_id = $1",
        {"honors.known_inspections": "SELECT count(*) FROM honors.known_inspections WHERE inspection_id = $1"},
    ),
    "inspection.conclude": (
        "SELECT count(*) FROM inspections.inspections WHERE inspection_id = $1 AND conclusion IS NOT NULL",
        {
            "honors.known_inspections": "SELECT count(*) FROM honors.known_inspections"
            " WHERE inspection_id = $1 AND conclusion IS NOT NULL"
        },
    ),
    "honor.record": (
        "SELECT count(*) FROM honors.honors WHERE honor_id = $1",
        {
            "projections.recorded_honors": "SELECT count(*) FROM projections.recorded_honors WHERE honor_id = $1",
            "notifications.public_honors": "SELECT count(*) FROM notifications.public_honors WHERE honor_id = $1",
        },
    ),
    "honor.refused": ("SELECT count(*) FROM honors.honors WHERE subject_id = $1", {}),
}
ENTITY_FIELDS = {
    "commitment": "commitment_id",
    "session": "session_id",
    "inspection": "inspection_id",
    "honor": "honor_id",
}


def consumers_of_events() -> dict[str, set[str]]:
    """Event type -> the services whose HANDLERS apply it (each must hold it in its inbox)."""
    consumers: dict[str, set[str]] = {}
    for service in SERVICES:
        for event_type in importlib.import_module(f"services.{service}.handlers").HANDLERS:
            consumers.setdefault(event_type, set()).add(service)
    return consumers


def topics_of(service: str) -> list[str]:
    return list(importlib.import_module(f"services.{service}.handlers").TOPICS)


@dataclass
class Marks:
    """Where a case began: the last outbox id of each service and the end offset of each topic partition."""

    outbox: dict[str, int]
    offsets: dict[TopicPartition, int]


async def marks(env: dict[str, str]) -> Marks:
    conn = await admin_connection(env)
    try:
        outbox = {s: await conn.fetchval(f"SELECT coalesce(max(id), 0) FROM {s}.outbox") for s in PUBLISHERS}
    finally:
        await conn.close()
    settings = settings_of(env)
    partitions = await topic_partitions(settings, [settings.topic(t) for t in EVENT_TOPICS])
    consumer = AIOKafkaConsumer(**client_options(settings), enable_auto_commit=False)
    await consumer.start()
    try:
        offsets = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return Marks(outbox, offsets)


async def backlog(env: dict[str, str]) -> dict[str, int]:
    """What is still moving: unpublished outbox rows, consumer lag, pending deliveries (all 0 once drained)."""
    conn = await admin_connection(env)
    try:
        left = {
            f"{s} outbox": await conn.fetchval(f"SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL")
            for s in PUBLISHERS
        }
        left["deliveries"] = await conn.fetchval(
            "SELECT count(*) FROM notifications.deliveries WHERE state = 'pending'"
        )
    finally:
        await conn.close()
    for service in SERVICES:
        left[f"{service} lag"] = await group_lag(settings_of(env, service), service, topics_of(service))
    return left


async def drain(env: dict[str, str], timeout: float = 240.0) -> None:
    """Wait until outboxes are empty, every consumer group has caught up and deliveries are settled, twice in a
    row (a relay may still be between its send and its mark)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    left: dict[str, int] = {}
    while quiet < 2:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the system did not drain: { ({k: v for k, v in left.items() if v}) }")
        await asyncio.sleep(1.0)
        try:
            left = await backlog(env)
        except (TimeoutError, OSError, asyncpg.PostgresError, KafkaError):
            quiet = 0
            continue
        quiet = quiet + 1 if not any(left.values()) else 0


# Counters of services/projections in a year, and the event that moves each by one.
FIGURES = {
    "commitments_filed": "CommitmentFiled",
    "sessions_regular": "SessionHeld",
    "honors": "HonorRecorded",
    "inspections_opened": "InspectionOpened",
    "inspections_concluded": "InspectionConcluded",
}


async def history(
    env: dict[str, str], since: Marks, sent: list[Sent], webhook: dict[str, set[str]], unit: str, year: int
) -> History:
    """The case's history: its commands, and everything staged, carried and applied since `since`; `unit` (with
    nothing else of the run under it) is where its counters are read, in `year`."""
    conn = await admin_connection(env)
    try:
        values = dict(
            await conn.fetch(
                "SELECT figure, value FROM projections.unit_figures WHERE unit_id = $1 AND period = $2", unit, str(year)
            )
        )
        staged, bodies = await _staged(conn, since)
        ids = [e.event_id for e in staged]
        inboxes = {
            s: {
                str(r["event_id"])
                for r in await conn.fetch(f"SELECT event_id FROM {s}.inbox WHERE event_id::text = ANY($1)", ids)
            }
            for s in SERVICES
        }
        stored: dict[str, int] = {}
        models: dict[str, dict[str, int]] = {}
        hooks: dict[str, int] = {}
        for s in sent:
            entity = s.member if s.op.kind == "honor.refused" else s.entity or _entity_of(s, staged, bodies)
            if entity is None:
                continue
            store, reads = STORES[s.op.kind]
            stored[s.op.id] = await conn.fetchval(store, entity)
            if s.op.outcome != "failed" and not s.op.refusal:
                models[s.op.id] = {name: await conn.fetchval(sql, entity) for name, sql in reads.items()}
            if s.op.kind == "honor.record":
                hooks[s.op.id] = len(webhook.get(f"honor.published:{entity}", set()))
    finally:
        await conn.close()
    types = [e.event_type for e in staged]
    return History(
        figures={name: (types.count(t), values.get(name, 0)) for name, t in FIGURES.items()},
        ops=[s.op for s in sent],
        staged=staged,
        carried=await _carried(env, since),
        inboxes=inboxes,
        consumers=consumers_of_events(),
        stored=stored,
        read_models=models,
        webhook=hooks,
    )


async def _staged(conn: asyncpg.Connection, since: Marks) -> tuple[list[Staged], dict[str, dict]]:
    staged, bodies = [], {}
    for service in PUBLISHERS:
        rows = await conn.fetch(
            f"SELECT id, event_id, topic, key, event_type, body FROM {service}.outbox WHERE id > $1 ORDER BY id",
            since.outbox[service],
        )
        for row in rows:
            envelope = decode(bytes(row["body"]))
            staged.append(
                Staged(
                    str(row["event_id"]),
                    envelope.correlation_id,
                    row["topic"],
                    row["key"],
                    row["event_type"],
                    row["id"],
                )
            )
            bodies[str(row["event_id"])] = envelope.payload
    return staged, bodies


def _entity_of(sent: Sent, staged: list[Staged], bodies: dict[str, dict]) -> str | None:
    """The entity an unanswered command created, read from the first event it staged."""
    field = ENTITY_FIELDS[sent.op.kind.split(".")[0]]
    for event in staged:
        if event.correlation_id == sent.op.id and field in bodies[event.event_id]:
            return str(bodies[event.event_id][field])
    return None


async def _carried(env: dict[str, str], since: Marks) -> list[Carried]:
    settings = settings_of(env)
    consumer = AIOKafkaConsumer(**client_options(settings), enable_auto_commit=False)
    await consumer.start()
    carried: list[Carried] = []
    try:
        partitions = list(since.offsets)
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            consumer.seek(tp, since.offsets[tp])
        todo = {tp for tp in partitions if ends[tp] > since.offsets[tp]}
        while todo:
            batches = await consumer.getmany(*todo, timeout_ms=2000)
            for tp, records in batches.items():
                for record in records:
                    if record.offset + 1 >= ends[tp]:
                        todo.discard(tp)
                    try:
                        envelope = decode(record.value)
                    except EventDecodeError:  # poison put there by a case: no command's event
                        continue
                    carried.append(
                        Carried(
                            settings.logical_topic(tp.topic),
                            tp.partition,
                            record.offset,
                            record.key.decode(),
                            str(envelope.event_id),
                            envelope.correlation_id,
                        )
                    )
    finally:
        await consumer.stop()
    return carried


async def digests(env: dict[str, str]) -> dict[str, str]:
    """A digest of every table of every service (the relay's term aside: a restart starts a new one)."""
    conn = await admin_connection(env)
    try:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = ANY($1)"
            " AND table_type = 'BASE TABLE' AND table_name <> 'relay_leadership'",
            list(SERVICES),
        )
        return {
            f"{t['table_schema']}.{t['table_name']}": await table_digest(conn, t["table_schema"], t["table_name"], "*")
            for t in tables
        }
    finally:
        await conn.close()


async def rewind_groups(env: dict[str, str]) -> None:
    """Commit the earliest offsets for every service's consumer group (its members stopped): a full
    redelivery of everything each ever consumed."""
    for service in SERVICES:
        settings = settings_of(env, service)
        partitions = await topic_partitions(settings, [settings.topic(t) for t in topics_of(service)])
        consumer = AIOKafkaConsumer(
            **client_options(settings), group_id=settings.consumer_group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            consumer.assign(partitions)
            starts = await consumer.beginning_offsets(partitions)
            await consumer.commit(dict(starts.items()))
        finally:
            await consumer.stop()
