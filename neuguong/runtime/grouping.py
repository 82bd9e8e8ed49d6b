"""Group commit of commands: the requests of a grouped command (runtime.commands.Grouped) that arrive while
the service's earlier groups of it are in their transactions wait, and run together in the next one.

A filing alone is about eight round trips and a commit, the same whether it files one commitment or fifty:
BEGIN, the key's lock and stored answer, the member and their path, the insert, the outbox, the stored
answer, COMMIT (bench/README.md). Together, requests share them: one statement per step for the whole group,
one WAL flush. Nothing waits for a group to fill: a request that finds a free slot (`command_groups_in_flight`
groups of a kind at once) runs at once, alone; only requests that arrive while every slot is busy are grouped,
so a group is as large as the load makes it (at most `command_group_max`), and a request waits at most for a
group ahead of it to commit.

Each request is answered as if it had run alone, after the requests before it in its group (two groups in
their transactions at once are as concurrent as two requests were before groups):
- its Idempotency-Key: the keys of a group are locked together (in one order, so two groups never deadlock)
  and read after the locks; a group ends before a request whose key it already holds, so that request replays
  the earlier one's answer, as it would have;
- its command: by the grouped handler, whose contract is exactly that (services/commitments `file_commitment`
  and `record_self_reflection`; tests/handlers/test_grouped_commands.py holds groups to the same requests sent
  one by one);
- its events and its stored answer: staged and stored with the group's, each with its own actor and
  correlation.

A group waits for no lock longer than `command_group_lock_timeout_ms` (another transaction's uncommitted
commitment of the same member and year, a key in flight in another process or slot), and the timeout is put back
before its COMMIT. Past it, or when the group fails as a whole (a deadlock, an event too large for the broker),
its requests run again, each in a transaction of its own, all at once and outside the slots, waiting for
whatever lock they meet, as requests did before groups (and as concurrent with each other). So a request that
meets a lock holds up neither its group nor a slot, and its failure is its own. The database out of reach fails
every request of a group at once (503).
"""

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, cast

import asyncpg

from neuguong.runtime import idempotency
from neuguong.runtime.auth import Principal
from neuguong.runtime.clock import Clock
from neuguong.runtime.commands import Answer, CommandBus
from neuguong.runtime.errors import is_outage
from neuguong.runtime.input import Command
from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.outbox import EventMeta
from neuguong.runtime.settings import Settings

log = logging.getLogger(__name__)

Settled = tuple[Answer, bool] | Exception
"""A request's answer and whether it was replayed, or what it raises."""


@dataclass
class _Request:
    principal: Principal
    key: str
    command: Command
    meta: EventMeta
    fingerprint: str
    answered: asyncio.Future[tuple[Answer, bool]]

    @property
    def keyed(self) -> idempotency.Keyed:
        return self.principal.sub, self.key, self.fingerprint


class CommandGroups:
    """The grouped commands of one service process: a queue and up to `command_groups_in_flight` groups in
    their transactions, per command."""

    def __init__(
        self, pool: asyncpg.Pool, bus: CommandBus, settings: Settings, clock: Clock, metrics: RuntimeMetrics
    ) -> None:
        self.pool, self.bus, self.settings, self.clock, self.metrics = pool, bus, settings, clock, metrics
        self._waiting: dict[type, deque[_Request]] = {}
        self._in_flight: dict[type, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, principal: Principal, key: str, command: Command) -> tuple[Answer, bool]:
        """The command's answer, and whether it was replayed; or its refusal raised."""
        meta = EventMeta.commanded(self.settings, principal.sub)
        answered = asyncio.get_running_loop().create_future()
        request = _Request(principal, key, command, meta, idempotency.fingerprint(command), answered)
        # A client gone before its answer does not stop its group: its request is written, or not, with it.
        request.answered.add_done_callback(_retrieved)
        kind = type(command)
        self._waiting.setdefault(kind, deque()).append(request)
        if self._in_flight.get(kind, 0) < self.settings.command_groups_in_flight:
            self._in_flight[kind] = self._in_flight.get(kind, 0) + 1
            self._start(self._serve(kind), f"group-{kind.__name__}")
        return await asyncio.shield(request.answered)

    async def _serve(self, kind: type) -> None:
        """One slot: groups of `kind`, one after the other, while requests wait."""
        waiting = self._waiting[kind]
        try:
            while waiting:
                group = _take(waiting, self.settings.command_group_max)
                self.metrics.command_group_size.labels(self.settings.service, kind.__name__).observe(len(group))
                try:
                    await self._settle(group)
                except asyncio.CancelledError:  # the service is stopping
                    for request in group:
                        if not request.answered.done():
                            request.answered.set_exception(RuntimeError("the service stopped before the answer"))
                    raise
        finally:
            self._in_flight[kind] -= 1

    async def _settle(self, group: list["_Request"]) -> None:
        """Run a group and answer its requests. Past its lock timeout, or on any failure of the group as a whole
        but an outage, its requests go on one transaction each, outside the slots (`_alone`), so the slot serves
        the next group meanwhile."""
        timeout = self.settings.command_group_lock_timeout_ms
        try:
            settled = await transact_group(self.pool, self.bus, self.clock, group, lock_timeout_ms=timeout)
        except Exception as error:
            if is_outage(error):  # the database out of reach fails every request alike, at once
                settled = [error] * len(group)
            elif len(group) > 1 or isinstance(error, asyncpg.LockNotAvailableError):
                log.info(
                    "a group of commands runs one request per transaction",
                    extra={"command": type(group[0].command).__name__, "requests": len(group), "error": repr(error)},
                )
                for request in group:
                    self._start(self._alone(request), f"alone-{type(request.command).__name__}")
                return
            else:
                settled = [error]
        for request, outcome in zip(group, settled, strict=True):
            _answer(request, outcome)

    async def _alone(self, request: "_Request") -> None:
        """One request in a transaction of its own, waiting for whatever lock it meets, as before groups."""
        try:
            (outcome,) = await transact_group(self.pool, self.bus, self.clock, [request])
        except asyncio.CancelledError:
            request.answered.set_exception(RuntimeError("the service stopped before the answer"))
            raise
        except Exception as error:
            outcome = error
        _answer(request, outcome)

    def _start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        # A context of its own: the task outlives the request that started it (its correlation id).
        task = asyncio.create_task(work, name=name, context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _answer(request: "_Request", outcome: "Settled") -> None:
    if isinstance(outcome, Exception):
        request.answered.set_exception(outcome)
    else:
        request.answered.set_result(outcome)


def _take(waiting: deque[_Request], most: int) -> list[_Request]:
    """The next group: the oldest waiting requests, at most `most`, up to the first whose Idempotency-Key one of
    them holds (that one starts the next group, where it replays the earlier one's answer): the group keeps the
    order the requests came in."""
    group: list[_Request] = []
    keys: set[tuple[str, str]] = set()
    while waiting and len(group) < most and (waiting[0].principal.sub, waiting[0].key) not in keys:
        request = waiting.popleft()
        keys.add((request.principal.sub, request.key))
        group.append(request)
    return group


async def transact_group(
    pool: asyncpg.Pool, bus: CommandBus, clock: Clock, group: list[_Request], *, lock_timeout_ms: int | None = None
) -> list[Settled]:
    """`http.transact` of a group of requests of one grouped command, in one transaction: each request's answer
    and whether it was replayed, or the refusal it raises (which wrote nothing). With `lock_timeout_ms`, a lock
    waited for longer fails the whole group (asyncpg.LockNotAvailableError)."""
    async with pool.acquire() as conn, conn.transaction():
        recalled = await idempotency.recall_all(
            conn, [request.keyed for request in group], lock_timeout_ms=lock_timeout_ms
        )
        # None for now where no answer was stored: the request runs below.
        settled: list[Settled | None] = [(got, True) if isinstance(got, Answer) else got for got in recalled]
        fresh = [n for n, got in enumerate(recalled) if got is None]
        if fresh:
            requests = [(group[n].command, group[n].principal, group[n].meta) for n in fresh]
            outcomes = await bus.handle_group(conn, requests, clock)
            for n, outcome in zip(fresh, outcomes, strict=True):
                settled[n] = (outcome, False) if isinstance(outcome, Answer) else outcome
            answered = [(group[n].keyed, outcome) for n, outcome in zip(fresh, outcomes, strict=True)]
            await idempotency.remember_all(
                conn,
                [(keyed, a) for keyed, a in answered if isinstance(a, Answer)],
                restore_lock_timeout=lock_timeout_ms is not None,
            )
    return cast(list[Settled], settled)


def _retrieved(answered: asyncio.Future[tuple[Answer, bool]]) -> None:
    if not answered.cancelled():
        answered.exception()  # seen, even when nobody waits for it any more
