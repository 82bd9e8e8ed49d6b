"""Transactional outbox: events are written with the state change and published by the relay."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from neuguong.numbers import vi_number
from neuguong.runtime import locks
from neuguong.runtime.errors import CommandRejected
from neuguong.runtime.logs import correlation_id
from neuguong.runtime.settings import Settings
from schemas import Envelope, Event, encode, uuid7, wrap

# One statement, one round trip: the keys' locks, the rows, and the relay's wake-up call.
# One writer per aggregate at a time: a transaction staging an event for a key holds that key until it
# commits, so a key's outbox ids are in commit order and the relay (which reads by id) keeps its order.
# Keys are locked sorted, so two transactions staging the same keys cannot deadlock on each other. The
# insert reads the count of locks taken (an InitPlan, run before its first row), so every lock is held
# before any row is written. The NOTIFY is delivered at commit, never for a rolled-back transaction.
STAGE = f"""
WITH locked AS (
    SELECT pg_advisory_xact_lock({locks.OUTBOX_KEY}, hashtext(k))
    FROM (SELECT DISTINCT unnest($7::text[]) AS k) AS keys ORDER BY k
),
staged AS (
    INSERT INTO outbox (event_id, topic, key, event_type, body, headers)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::jsonb[])
    WHERE (SELECT count(*) FROM locked) >= 0
    RETURNING 1
)
SELECT (SELECT count(*) FROM staged), pg_notify('outbox_' || current_schema(), '')
"""
# Wakes the relay at commit (an operator's retry of a parked row).
NOTIFY_RELAY = "SELECT pg_notify('outbox_' || current_schema(), '')"


DEFAULT_MAX_EVENT_BYTES: int = Settings.model_fields["max_event_bytes"].default


class EventTooLarge(CommandRejected):
    """A command whose event would be larger than the topics accept (413); nothing was written."""

    status = 413


@dataclass(frozen=True)
class EventMeta:
    """Who and what caused the events of one command or reaction, and how large an event may be."""

    producer: str
    actor: str
    correlation_id: str
    causation_id: str | None = None
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES

    @classmethod
    def commanded(cls, settings: Settings, actor: str) -> "EventMeta":
        """Meta of the events of a command `actor` sent: this service's, in the request's correlation."""
        return cls(
            producer=settings.service,
            actor=actor,
            correlation_id=correlation_id.get() or str(uuid7()),
            max_event_bytes=settings.max_event_bytes,
        )

    @classmethod
    def reacting_to(cls, envelope: Envelope, producer: str) -> "EventMeta":
        """Meta of events a consumer emits in reaction: same correlation, caused by `envelope`."""
        return cls(
            producer=producer,
            actor=f"{producer}:{envelope.event_type}",
            correlation_id=envelope.correlation_id,
            causation_id=str(envelope.event_id),
        )


async def record(conn: asyncpg.Connection, meta: EventMeta, *events: tuple[Event, list[str]]) -> list[Envelope]:
    """Stage events, each with its unit_path, in the caller's open transaction."""
    (envelopes,) = await record_all(conn, [(meta, events)])
    return envelopes


async def record_all(
    conn: asyncpg.Connection, caused: Sequence[tuple[EventMeta, Sequence[tuple[Event, list[str]]]]]
) -> list[list[Envelope]]:
    """`record` of the events of many commands (each with its own meta), in one statement: their envelopes, per
    command. One event too large refuses them all (EventTooLarge), before anything is staged."""
    envelopes = [
        [
            wrap(
                event,
                producer=meta.producer,
                actor=meta.actor,
                unit_path=unit_path,
                correlation_id=meta.correlation_id,
                causation_id=meta.causation_id,
            )
            for event, unit_path in events
        ]
        for meta, events in caused
    ]
    rows = [
        (envelope, event, encode(envelope), headers_of(envelope), event.key(), meta.max_event_bytes)
        for (meta, events), wrapped in zip(caused, envelopes, strict=True)
        for (event, _), envelope in zip(events, wrapped, strict=True)
    ]
    for envelope, _, body, head, key, limit in rows:
        refuse_oversized(envelope, body, key, head, limit)
    if rows:
        staged = await conn.fetchval(
            STAGE,
            [envelope.event_id for envelope, *_ in rows],
            [event.topic for _, event, *_ in rows],
            [key for *_, key, _ in rows],
            [envelope.event_type for envelope, *_ in rows],
            [body for _, _, body, *_ in rows],
            [head for _, _, _, head, *_ in rows],
            [f"{event.topic}/{key}" for _, event, _, _, key, _ in rows],
        )
        if staged != len(rows):
            raise RuntimeError(f"outbox: {staged} rows staged of {len(rows)}")
    return envelopes


def headers_of(envelope: Envelope) -> dict[str, str]:
    """Kafka headers that let a reader route or trace an event without parsing it."""
    return {
        "event_type": envelope.event_type,
        "event_version": str(envelope.version),
        "event_id": str(envelope.event_id),
        "correlation_id": envelope.correlation_id,
    }


def refuse_oversized(envelope: Envelope, body: bytes, key: str, headers: dict[str, str], limit: int) -> None:
    """Raise EventTooLarge, naming the payload field that weighs most, when the record would exceed `limit`
    bytes: the broker would refuse it, and the relay would have to set it aside after the command said 2xx."""
    size = len(body) + len(key.encode()) + sum(len(k.encode()) + len(v.encode()) for k, v in headers.items())
    if size <= limit:
        return
    payload = json.loads(body)["payload"]
    weights = {name: len(json.dumps(value, ensure_ascii=False).encode()) for name, value in payload.items()}
    heaviest = max(weights, key=weights.__getitem__, default="body")
    raise EventTooLarge(
        heaviest,
        f"the {envelope.event_type} event would be {vi_number(size)} bytes, over the limit of "
        f"{vi_number(limit)} (NG_MAX_EVENT_BYTES); {heaviest} alone is {vi_number(weights.get(heaviest, size))} bytes",
    )
