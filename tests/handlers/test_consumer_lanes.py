"""services/commitments' consumer on TestKafkaBroker and PostgreSQL: a batch is written in lanes split by key
(NG_CONSUMER_WRITE_LANES, 2 by default), each a transaction of its own, written at the same time; a key's
events stay in one lane, in the order read; a lane that cannot be written rewinds the whole batch, and the
lane written beside it is not applied twice when the batch is read again."""

import asyncio
import dataclasses
import itertools
import zlib

import pytest

from schemas.topics import DIRECTORY_UNITS
from tests.handlers.consumer_layer import COMMITMENTS, SETTINGS, body, count, record, running, unreachable_for

pytestmark = pytest.mark.handlers

TOPIC = DIRECTORY_UNITS.name


def keys_in_two_lanes() -> tuple[bytes, bytes]:
    """Two record keys that the consumer puts in different lanes."""
    assert SETTINGS.consumer_write_lanes == 2
    keys = (f"key-{i}".encode() for i in itertools.count())
    first = next(keys)
    return first, next(k for k in keys if zlib.crc32(k) % 2 != zlib.crc32(first) % 2)


def batch(units, first_offset: int):
    """units[0] and units[1] under one key, units[2] and units[3] under another, interleaved as read."""
    one, other = keys_in_two_lanes()
    keyed = [(units[0], one), (units[2], other), (units[1], one), (units[3], other)]
    return [
        dataclasses.replace(record(TOPIC, body(unit), first_offset + i), key=key) for i, (unit, key) in enumerate(keyed)
    ]


async def test_a_batch_is_written_in_lanes_by_key_at_once_each_key_in_order_in_a_transaction_of_its_own(
    pool, small_directory
):
    units = small_directory.units[:4]
    applied: list[tuple[str, int]] = []  # unit, the transaction that applied it
    other_lane_applied = asyncio.Event()

    async def handler(conn, event, envelope):
        if event.unit_id == units[0].unit_id:
            # Held until the other key's events are applied: one transaction for the batch would wait for ever.
            await asyncio.wait_for(other_lane_applied.wait(), timeout=5)
        await COMMITMENTS.handlers["OrgUnitRegistered"](conn, event, envelope)
        applied.append((event.unit_id, await conn.fetchval("SELECT txid_current()")))
        if event.unit_id == units[3].unit_id:
            other_lane_applied.set()

    async with running(pool, OrgUnitRegistered=handler) as consumer:
        await consumer.deliver(TOPIC, *batch(units, 20))
    assert [unit for unit, _ in applied] == [units[2].unit_id, units[3].unit_id, units[0].unit_id, units[1].unit_id]
    transactions = [tx for _, tx in applied]
    assert transactions[0] == transactions[1] and transactions[2] == transactions[3]
    assert transactions[0] != transactions[2]
    assert consumer.offsets.committed == [{(TOPIC, 2): 24}] and consumer.offsets.inbox_at_commit == [4]
    assert await count(pool, "directory_units") == 4


async def test_a_lane_that_cannot_be_written_rewinds_the_batch_and_the_lane_written_is_not_applied_twice(
    pool, small_directory
):
    units = small_directory.units[:4]
    down = {units[0].unit_id}

    records = batch(units, 30)
    async with running(pool, OrgUnitRegistered=unreachable_for(down)) as consumer:
        await consumer.deliver(TOPIC, *records)
        # The other key's lane committed its transaction; the batch's offsets were not, and it was rewound.
        assert await count(pool, "directory_units") == 2 and consumer.offsets.committed == []
        assert consumer.offsets.rewound_to == [(TOPIC, 2, 30)]
        down.clear()
        await consumer.deliver(TOPIC, *records)  # read past the rewind: dropped, rewound again
        await consumer.deliver(TOPIC, *records)  # read again from where the batch began
    assert consumer.offsets.rewound_to == [(TOPIC, 2, 30), (TOPIC, 2, 30)]
    assert consumer.offsets.committed == [{(TOPIC, 2): 34}]
    assert await count(pool, "directory_units") == 4 and await count(pool, "inbox") == 4
    assert consumer.consumed("OrgUnitRegistered", "duplicate") == 2
    assert consumer.consumed("OrgUnitRegistered", "applied") == 4
