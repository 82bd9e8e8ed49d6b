"""services/commitments' consumer on TestKafkaBroker and PostgreSQL: the subscriber reads the next batch while
one is written; batches of a topic are applied and committed one after the other, in order, each committing
its own offsets; a batch read while the one before fails is dropped and both are read again; stopping and a
rebalance wait for the write under way."""

import asyncio
import dataclasses

import pytest
from aiokafka import TopicPartition

from schemas.topics import DIRECTORY_UNITS
from tests.handlers.consumer_layer import COMMITMENTS, body, count, record, running, unreachable_for

pytestmark = pytest.mark.handlers

TOPIC = DIRECTORY_UNITS.name


def units_handler(applied: list[str], held: set[str], release: asyncio.Event):
    """The service's handler for units, holding those in `held` until `release`, noting the order applied."""

    async def handler(conn, event, envelope):
        if event.unit_id in held:
            await release.wait()
        await COMMITMENTS.handlers["OrgUnitRegistered"](conn, event, envelope)
        applied.append(event.unit_id)

    return handler


async def test_the_next_batch_is_read_while_one_is_written_and_applied_after_it(pool, small_directory):
    units = small_directory.units[:4]
    applied, release = [], asyncio.Event()
    handler = units_handler(applied, {units[0].unit_id}, release)
    async with running(pool, OrgUnitRegistered=handler) as consumer:
        first = [record(TOPIC, body(unit), 10 + i) for i, unit in enumerate(units[:2])]
        second = [record(TOPIC, body(unit), 12 + i) for i, unit in enumerate(units[2:])]
        await consumer.deliver(TOPIC, *first, settled=False)  # the handler returned; the batch is being written
        reading_on = asyncio.create_task(consumer.deliver(TOPIC, *second, settled=False))
        await asyncio.sleep(0.05)
        assert not reading_on.done() and applied == [] and consumer.offsets.committed == []
        release.set()
        await reading_on
        await consumer.consumer.settled()
    assert applied == [unit.unit_id for unit in units]
    assert consumer.offsets.committed == [{(TOPIC, 2): 12}, {(TOPIC, 2): 14}]  # each batch's own offsets
    assert consumer.offsets.inbox_at_commit == [2, 4] and consumer.offsets.rewound_to == []


async def test_a_batch_read_while_the_one_before_fails_is_dropped_and_both_are_read_again(pool, small_directory):
    units = small_directory.units[:4]
    down = {units[0].unit_id}

    async with running(pool, OrgUnitRegistered=unreachable_for(down)) as consumer:
        await consumer.deliver(TOPIC, *(record(TOPIC, body(u), 40 + i) for i, u in enumerate(units[:2])), settled=False)
        other_partition = dataclasses.replace(record(TOPIC, body(units[3]), 7), partition=3)
        await consumer.deliver(TOPIC, record(TOPIC, body(units[2]), 42), other_partition)
    assert await count(pool, "inbox") == 0 and await count(pool, "directory_units") == 0
    assert consumer.offsets.committed == []
    # The failed batch rewinds its partition; the batch dropped after it rewinds both partitions it read.
    assert consumer.offsets.rewound_to[0] == (TOPIC, 2, 40)
    assert sorted(consumer.offsets.rewound_to[1:]) == [(TOPIC, 2, 40), (TOPIC, 3, 7)]


async def held_and_queued(consumer, held, queued, offset: int) -> asyncio.Task:
    """Deliver `held` (its write holds until released) and `queued` behind it; the queued delivery, under way."""
    await consumer.deliver(TOPIC, record(TOPIC, body(held), offset), settled=False)
    queuing = asyncio.create_task(consumer.deliver(TOPIC, record(TOPIC, body(queued), offset + 1), settled=False))
    await asyncio.sleep(0.05)  # read, and waiting behind the write
    return queuing


async def waits_for_the_held_write(consumer, step, release: asyncio.Event, queuing: asyncio.Task) -> None:
    """`step` does not end, and nothing is committed, until the held write is released; then both end."""
    task = asyncio.create_task(step)
    await asyncio.sleep(0.05)
    assert not task.done() and consumer.offsets.committed == []
    release.set()
    await task
    await queuing


async def test_stopping_waits_for_the_write_under_way_and_starts_no_other(pool, small_directory):
    units = small_directory.units[:4]
    applied, release = [], asyncio.Event()
    handler = units_handler(applied, {units[0].unit_id}, release)
    async with running(pool, OrgUnitRegistered=handler) as consumer:
        queuing = await held_and_queued(consumer, units[0], units[1], 5)
        await waits_for_the_held_write(consumer, consumer.consumer.stop(), release, queuing)
        # The queued batch, read before the stop, was dropped uncommitted.
        assert consumer.offsets.committed == [{(TOPIC, 2): 6}]
        await consumer.deliver(TOPIC, *(record(TOPIC, body(u), 7 + i) for i, u in enumerate(units[2:])))
    assert applied == [units[0].unit_id] and consumer.offsets.committed == [{(TOPIC, 2): 6}]
    assert await count(pool, "directory_units") == 1


async def test_a_rebalance_takes_the_partitions_only_after_the_write_under_way_committed(pool, small_directory):
    units = small_directory.units[:3]
    applied, release = [], asyncio.Event()
    handler = units_handler(applied, {units[0].unit_id}, release)
    async with running(pool, OrgUnitRegistered=handler) as consumer:
        queuing = await held_and_queued(consumer, units[0], units[1], 9)
        revoking = consumer.consumer.handovers[TOPIC].on_partitions_revoked([TopicPartition(TOPIC, 2)])
        await waits_for_the_held_write(consumer, revoking, release, queuing)
        # The queued batch, read before the rebalance, was dropped: the partition's next reader starts at 10.
        assert consumer.offsets.committed == [{(TOPIC, 2): 10}] and applied == [units[0].unit_id]
        await consumer.deliver(TOPIC, record(TOPIC, body(units[1]), 10))  # read again after the rebalance
    assert applied == [units[0].unit_id, units[1].unit_id]
    assert consumer.offsets.committed == [{(TOPIC, 2): 10}, {(TOPIC, 2): 11}]
