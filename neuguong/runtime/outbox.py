"""Transactional outbox: events are written with the state change and published by the relay."""

from dataclasses import dataclass

import asyncpg

from neuguong.runtime import locks
from schemas import Envelope, Event, encode, wrap

INSERT_OUTBOX = """
INSERT INTO outbox (event_id, topic, key, event_type, body, headers)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::jsonb[])
"""
# One writer per aggregate at a time: a transaction staging an event for a key holds that key until it
# commits, so a key's outbox ids are in commit order and the relay (which reads by id) keeps its order.
# Keys are locked sorted, so two transactions staging the same keys cannot deadlock on each other.
LOCK_KEYS = f"""
SELECT pg_advisory_xact_lock({locks.OUTBOX_KEY}, hashtext(k)) FROM (SELECT DISTINCT unnest($1::text[]) AS k) AS keys
ORDER BY k
"""
# Delivered at commit, never for a rolled-back transaction: it only wakes the relay.
NOTIFY_RELAY = "SELECT pg_notify('outbox_' || current_schema(), '')"


@dataclass(frozen=True)
class EventMeta:
    """Who and what caused the events of one command or reaction."""

    producer: str
    actor: str
    correlation_id: str
    causation_id: str | None = None

    @classmethod
    def reacting_to(cls, envelope: Envelope, producer: str) -> "EventMeta":
        """Meta of events a consumer emits in reaction: same correlation, caused by `envelope`."""
        return cls(producer=producer, actor=f"{producer}:{envelope.event_type}",
                   correlation_id=envelope.correlation_id, causation_id=str(envelope.event_id))


async def record(
    conn: asyncpg.Connection, meta: EventMeta, *events: tuple[Event, list[str]]
) -> list[Envelope]:
    """Stage events, each with its unit_path, in the caller's open transaction."""
    envelopes = [
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
    await conn.execute(LOCK_KEYS, [f"{event.topic}/{event.key()}" for event, _ in events])
    await conn.execute(
        INSERT_OUTBOX,
        [e.event_id for e in envelopes],
        [event.topic for event, _ in events],
        [event.key() for event, _ in events],
        [e.event_type for e in envelopes],
        [encode(e) for e in envelopes],
        [headers_of(e) for e in envelopes],
    )
    await conn.execute(NOTIFY_RELAY)
    return envelopes


def headers_of(envelope: Envelope) -> dict[str, str]:
    """Kafka headers that let a reader route or trace an event without parsing it."""
    return {
        "event_type": envelope.event_type,
        "event_version": str(envelope.version),
        "event_id": str(envelope.event_id),
        "correlation_id": envelope.correlation_id,
    }
