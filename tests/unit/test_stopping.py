"""Stopping a service ends its background tasks even when one swallows a cancellation, as a loop around
`asyncio.wait_for` does on Python 3.11 when the cancel lands as the awaited call finishes."""

import asyncio

from neuguong.runtime.service import cancelled


async def test_a_task_that_swallows_a_cancellation_is_cancelled_until_it_ends():
    swallowed = 0

    async def loop_that_swallows_once() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                swallowed += 1
                if swallowed > 1:
                    raise

    task = asyncio.create_task(loop_that_swallows_once())
    await asyncio.sleep(0.02)
    await asyncio.wait_for(cancelled(task), timeout=5)
    assert task.cancelled() and swallowed == 2


async def test_a_task_already_ended_is_left_as_it_is():
    task = asyncio.create_task(asyncio.sleep(0))
    await task
    await cancelled(task)
    assert task.done() and not task.cancelled()
