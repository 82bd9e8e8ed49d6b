"""Steps several integration tests share."""

import uuid

from ops.directory.demo import DemoDirectory
from schemas import decode, uuid7
from tests.integration.harness import RunningService, Stack, eventually


async def directory_loaded(service: RunningService, directory: DemoDirectory) -> None:
    """Wait until the service's local directory holds every unit and every member (two topics)."""

    async def counts() -> bool:
        return await service.runtime.pool.fetchrow(
            "SELECT (SELECT count(*) FROM directory_units) AS units,"
            " (SELECT count(*) FROM directory_members) AS members"
        ) == (len(directory.units), len(directory.members))

    await eventually(counts)


async def applied(service: RunningService, expected: dict[str, int]) -> None:
    """Wait until the service has consumed at least `expected[event_type]` events of each type.

    An event's inbox row is written in the transaction of its effect, so once it is there the effect is too.
    Events published together land on several partitions and topics and are applied in any order between
    them; waiting on one figure that an early event already moved proves nothing about the rest.
    """
    seen: dict[str, int] = {}

    async def complete() -> bool:
        rows = await service.runtime.pool.fetch(
            "SELECT event_type, count(*) FROM inbox WHERE event_type = ANY($1) GROUP BY event_type", list(expected)
        )
        seen.update({row["event_type"]: row["count"] for row in rows})
        return all(seen.get(t, 0) >= n for t, n in expected.items())

    try:
        await eventually(complete)
    except AssertionError as error:
        raise AssertionError(f"consumed {seen}, expected at least {expected}") from error


async def file_commitment(system: Stack, service: RunningService, member, year: int = 2026, key: str | None = None):
    """POST a commitment as the member themselves."""
    cell_path = member.cell_id
    return await service.client.post(
        "/commitments",
        json={
            "member_id": member.member_id,
            "year": year,
            "limitations": ["Ngại va chạm"],
            "plan": [{"title": "Tham gia đầy đủ sinh hoạt chi bộ", "deadline": f"{year}-12-31"}],
        },
        headers={
            **system.token(member.member_id, "member", cell_path),
            "Idempotency-Key": key or f"file-{member.member_id}-{year}",
        },
    )


async def figure(projections: RunningService, system: Stack, unit_id: str, name: str, period: str) -> int:
    """One figure of a unit, read over HTTP as the province committee."""
    reply = await projections.client.get(
        f"/units/{unit_id}/figures", params={"period": period}, headers=system.token("tinh-uy", "committee", "lc")
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["figures"].get(name, 0)


async def post(service, path, body, token, correlation=None):
    """POST a command with a fresh Idempotency-Key (and a chosen correlation id)."""
    headers = {**token, "Idempotency-Key": f"k-{uuid.uuid4()}", "X-Correlation-ID": correlation or str(uuid7())}
    return await service.client.post(path, json=body, headers=headers)


def assert_envelope(record, *, producer, event_type, actor, unit_path, correlation_id, key, causation_id=None):
    """The full envelope of an event as read from its topic."""
    envelope = decode(record.value)
    assert envelope.event_type == event_type
    assert envelope.event_id.version == 7 and envelope.version == 1 and envelope.producer == producer
    assert envelope.actor == actor and envelope.unit_path == unit_path
    assert envelope.correlation_id == correlation_id and envelope.causation_id == causation_id
    assert envelope.occurred_at.tzinfo is not None and envelope.recorded_at >= envelope.occurred_at
    assert record.key == key.encode()
    headers = dict(record.headers)
    assert headers["event_type"] == event_type.encode() and headers["event_id"] == str(envelope.event_id).encode()
    return envelope
