"""services/commitments' consumer on TestKafkaBroker and PostgreSQL: an event whose handler fails with an
error of the client library (not of the connection) counts its attempts and is dead-lettered, while the rest
of its batch applies and the offsets move on; an outage would have rewound the batch for ever."""

import asyncpg
import pytest
from asyncpg.exceptions import _base

from schemas.topics import DIRECTORY_MEMBERS
from tests.handlers.consumer_layer import COMMITMENTS, body, count, record, running

pytestmark = pytest.mark.handlers


async def wrong_argument_count(conn: asyncpg.Connection) -> None:
    await conn.fetchval("SELECT $1::int")  # asyncpg: InterfaceError, the server expects 1 argument


async def value_it_cannot_encode(conn: asyncpg.Connection) -> None:
    await conn.fetchval("SELECT $1::int", "mười")  # asyncpg.DataError: invalid input for query argument $1


async def client_side_data_error(conn: asyncpg.Connection) -> None:
    raise _base.DataError("invalid input for query argument $1")  # the DataError that is an InterfaceError


@pytest.mark.parametrize("fails", [wrong_argument_count, value_it_cannot_encode, client_side_data_error])
async def test_a_client_error_in_a_handler_is_dead_lettered_after_its_attempts(pool, small_directory, fails):
    bad, good = small_directory.members[:2]
    attempts = []

    async def handler(conn, event, envelope):
        if event.member_id == bad.member_id:
            attempts.append(envelope.event_id)
            await fails(conn)
        await COMMITMENTS.handlers["MemberRegistered"](conn, event, envelope)

    topic = DIRECTORY_MEMBERS.name
    async with running(pool, MemberRegistered=handler) as consumer:
        await consumer.deliver(topic, record(topic, body(bad), 30), record(topic, body(good), 31))
    (letter,) = consumer.letters
    assert letter.headers["dlq_offset"] == "30" and letter.headers["dlq_attempts"] == "2"  # NG_CONSUMER_MAX_ATTEMPTS
    assert letter.headers["event_type"] == "MemberRegistered"
    assert len(attempts) == 1 + 2  # the batch try, then two attempts alone
    assert await pool.fetchval("SELECT array_agg(member_id) FROM directory_members") == [good.member_id]
    assert consumer.offsets.rewound_to == [] and consumer.offsets.inbox_at_commit == [1]
    assert await count(pool, "inbox") == 1
