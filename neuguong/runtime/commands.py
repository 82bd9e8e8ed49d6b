"""Command handlers behind one table per service: each a function of (connection, command, principal,
clock) that decides, writes its state and returns an Answer with the events it caused.

The bus runs a handler inside the caller's transaction and stages its events in the outbox; the HTTP
side (runtime.http.dispatch) adds the idempotency record around it. A handler may also ask, by a
keyword-only parameter, for a process-wide dependency the service declares (cosmicpython's bootstrap):
`async def register_channel(conn, command, principal, clock, *, settings: Settings)`.
"""

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import asyncpg

from neuguong.runtime import outbox
from neuguong.runtime.auth import Principal
from neuguong.runtime.clock import Clock
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


class CommandBus:
    """One service's command table, with its dependencies bound once at start."""

    def __init__(
        self, handlers: Mapping[type[Command], Handler], dependencies: Mapping[str, Any] | None = None
    ) -> None:
        self.handlers = {kind: _bind(handler, dependencies or {}) for kind, handler in handlers.items()}

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
        if answer.names_event:
            answer = replace(answer, body={**answer.body, "event_id": str(envelopes[0].event_id)})
        return answer


def _bind(handler: Handler, dependencies: Mapping[str, Any]) -> Handler:
    # A keyword-only parameter is a dependency; one with a default may go unprovided.
    keywords = [p for p in inspect.signature(handler).parameters.values() if p.kind is p.KEYWORD_ONLY]
    missing = [p.name for p in keywords if p.name not in dependencies and p.default is p.empty]
    if missing:
        raise TypeError(f"{handler.__name__} needs {', '.join(missing)}, which the service does not provide")
    wanted = {p.name: dependencies[p.name] for p in keywords if p.name in dependencies}
    return functools.partial(handler, **wanted) if wanted else handler
