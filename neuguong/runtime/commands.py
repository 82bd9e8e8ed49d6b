"""Command handlers behind one table per service: each a function of (connection, command, principal,
clock) that decides, writes its state and returns an Answer with the events it caused.

The bus runs a handler inside the caller's transaction and stages its events in the outbox; the HTTP
side (runtime.http.dispatch) adds the idempotency record around it. A handler may also ask, by a
keyword-only parameter, for a process-wide dependency the service declares (cosmicpython's bootstrap):
`async def register_channel(conn, command, principal, clock, *, settings: Settings)`.

A command of which many requests come at once (a year's filings) may have a grouped handler instead
(`Grouped`): it takes many requests of its kind and answers each as if it had run alone, after the ones before
it. The runtime then runs the requests that arrive together in one transaction (runtime.grouping: a group
commit); a single request is a group of one, so there is one implementation of the command.
"""

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

import asyncpg

from neuguong.runtime import outbox
from neuguong.runtime.auth import Forbidden, Principal
from neuguong.runtime.clock import Clock
from neuguong.runtime.errors import CommandRejected
from neuguong.runtime.input import Command
from schemas import Envelope, Event


@dataclass(frozen=True)
class Answer:
    """What a command answers: an HTTP status, a JSON body, and the events to stage with it."""

    status: int
    body: dict[str, Any]
    events: Sequence[tuple[Event, list[str]]] = field(default=(), compare=False)
    names_event: bool = field(default=False, compare=False)

    @classmethod
    def recording(cls, status: int, body: dict[str, Any], event: Event, unit_path: list[str]) -> "Answer":
        """The answer of a command that caused one event: the body will name it (`event_id`)."""
        return cls(status, body, [(event, unit_path)], names_event=True)

    def without_events(self) -> "Answer":
        """The answer as it is stored for idempotent replays."""
        return replace(self, events=(), names_event=False)


Handler = Callable[[asyncpg.Connection, Any, Principal, Clock], Awaitable[Answer]]
"""A command handler: (connection in an open transaction, command, principal, clock) -> Answer."""

Outcome = Answer | CommandRejected | Forbidden
"""What one request of a group comes to: its answer, or the refusal a single request would raise."""
GroupHandler = Callable[[asyncpg.Connection, Sequence[tuple[Any, Principal]], Clock], Awaitable[list[Outcome]]]
"""(connection in an open transaction, [(command, principal)], clock) -> an outcome per request, in order."""


@dataclass(frozen=True)
class Grouped:
    """A command table's entry for a grouped handler. Its contract: each request's outcome is the one it would
    have alone, run after the requests before it in the list; a request it refuses writes nothing (decide
    every request, then write the accepted ones). A failure it raises fails the whole group, whose requests are
    then run one by one (runtime.grouping)."""

    handler: GroupHandler


F = TypeVar("F", bound=Callable[..., Any])


class CommandBus:
    """One service's command table, with its dependencies bound once at start."""

    def __init__(
        self, handlers: Mapping[type[Command], Handler | Grouped], dependencies: Mapping[str, Any] | None = None
    ) -> None:
        self.handlers: dict[type, Handler] = {}
        self.groups: dict[type, GroupHandler] = {}
        for kind, handler in handlers.items():
            if isinstance(handler, Grouped):
                self.groups[kind] = _bind(handler.handler, dependencies or {})
                self.handlers[kind] = _alone(self.groups[kind])
            else:
                self.handlers[kind] = _bind(handler, dependencies or {})

    def __contains__(self, kind: type) -> bool:
        return kind in self.handlers

    async def handle(
        self, conn: asyncpg.Connection, command: Command, principal: Principal, clock: Clock, meta: outbox.EventMeta
    ) -> Answer:
        """Run the command's handler in the caller's transaction and stage its events; an answer
        made by `Answer.recording` names its event (`event_id`)."""
        handler = self.handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler for {type(command).__name__}")
        answer = await handler(conn, command, principal, clock)
        envelopes: list[Envelope] = []
        if answer.events:
            envelopes = await outbox.record(conn, meta, *answer.events)
        return _naming(answer, envelopes)

    async def handle_group(
        self, conn: asyncpg.Connection, requests: Sequence[tuple[Command, Principal, outbox.EventMeta]], clock: Clock
    ) -> list[Outcome]:
        """`handle` of many requests of one grouped command: each request's outcome, the events of all staged
        in one statement."""
        group = self.groups[type(requests[0][0])]
        outcomes = await group(conn, [(command, principal) for command, principal, _ in requests], clock)
        if len(outcomes) != len(requests):
            raise RuntimeError(f"{type(requests[0][0]).__name__}: {len(outcomes)} outcomes for {len(requests)}")
        causing = [n for n, outcome in enumerate(outcomes) if isinstance(outcome, Answer) and outcome.events]
        staged = await outbox.record_all(conn, [(requests[n][2], cast(Answer, outcomes[n]).events) for n in causing])
        for n, envelopes in zip(causing, staged, strict=True):
            outcomes[n] = _naming(cast(Answer, outcomes[n]), envelopes)
        return outcomes


def _naming(answer: Answer, envelopes: Sequence[Envelope]) -> Answer:
    """The answer, its body naming its event (`event_id`) when it was made by `Answer.recording`."""
    if answer.names_event:
        return replace(answer, body={**answer.body, "event_id": str(envelopes[0].event_id)})
    return answer


def _alone(group: GroupHandler) -> Handler:
    """A grouped handler as the handler of one request: its answer, or its refusal raised."""

    async def alone(conn: asyncpg.Connection, command: Any, principal: Principal, clock: Clock) -> Answer:
        (outcome,) = await group(conn, [(command, principal)], clock)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return alone


def _bind(handler: F, dependencies: Mapping[str, Any]) -> F:
    # A keyword-only parameter is a dependency; one with a default may go unprovided.
    keywords = [p for p in inspect.signature(handler).parameters.values() if p.kind is p.KEYWORD_ONLY]
    missing = [p.name for p in keywords if p.name not in dependencies and p.default is p.empty]
    if missing:
        raise TypeError(f"{handler.__name__} needs {', '.join(missing)}, which the service does not provide")
    wanted = {p.name: dependencies[p.name] for p in keywords if p.name in dependencies}
    return cast(F, functools.partial(handler, **wanted)) if wanted else handler
