"""The checker of the fault tests: from what the client saw and what the system holds, per command id,
what was lost, what appeared unasked, what took effect twice and what a topic carries out of order.

Pure: it reads a History (plain data gathered after the system drained) and knows no broker or database,
so hand-made histories test it (tests/unit/test_fault_checker.py).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["ok", "failed", "unknown"]
ANOMALIES = ("lost", "unexpected", "duplicated", "reordered")


@dataclass(frozen=True)
class Op:
    """One command the workload sent: its id (also its correlation id and Idempotency-Key) and what the
    client saw. `refusal` marks a command the system must refuse (an honor the eligibility gate bars)."""

    id: str
    kind: str
    outcome: Outcome
    refusal: bool = False


@dataclass(frozen=True)
class Staged:
    """An event as its service's outbox holds it; `seq` is the outbox id (the commit order of its service)."""

    event_id: str
    correlation_id: str
    topic: str
    key: str
    event_type: str
    seq: int


@dataclass(frozen=True)
class Carried:
    """An event as read back from its topic."""

    topic: str
    partition: int
    offset: int
    key: str
    event_id: str
    correlation_id: str


@dataclass
class History:
    """Everything the checker reads. `stored` and `read_models` give, per op id, how many rows of its owning
    store and of its read models hold its effect (ops absent from a mapping have none there to check);
    `webhook` how many distinct idempotency keys a receiver accepted the op's honor under; `figures` the
    counters of a read model beside the number of events that should have moved them (an event applied
    twice counts twice there, which no per-row table shows)."""

    ops: list[Op]
    staged: list[Staged] = field(default_factory=list)
    carried: list[Carried] = field(default_factory=list)
    inboxes: dict[str, set[str]] = field(default_factory=dict)  # consumer -> event ids it applied
    consumers: dict[str, set[str]] = field(default_factory=dict)  # event type -> consumers that apply it
    stored: dict[str, int] = field(default_factory=dict)
    read_models: dict[str, dict[str, int]] = field(default_factory=dict)  # op id -> read model -> rows
    webhook: dict[str, int] = field(default_factory=dict)
    figures: dict[str, tuple[int, int]] = field(default_factory=dict)  # counter -> (events staged, value read)


@dataclass
class Verdict:
    """Per anomaly, the op ids (or stray event ids) that show it, with the reason."""

    commands: int
    found: dict[str, dict[str, str]] = field(default_factory=lambda: {a: {} for a in ANOMALIES})

    def count(self, anomaly: str) -> int:
        return len(self.found[anomaly])

    @property
    def clean(self) -> bool:
        return not any(self.found.values())

    def note(self, anomaly: str, what: str, why: str) -> None:
        self.found[anomaly].setdefault(what, why)


def check(history: History) -> Verdict:
    """Lost, unexpected, duplicated and reordered, per command id."""
    verdict = Verdict(len(history.ops))
    by_op: dict[str, list[Staged]] = defaultdict(list)
    for event in history.staged:
        by_op[event.correlation_id].append(event)
    on_topic = {c.event_id for c in history.carried}
    ops = {op.id: op for op in history.ops}
    for op in history.ops:
        _check_op(history, op, by_op.get(op.id, []), on_topic, verdict)
    staged_ids = {e.event_id for e in history.staged}
    for event in history.staged:
        if event.correlation_id not in ops:
            verdict.note("unexpected", event.event_id, f"{event.event_type} staged by no command of the workload")
    for carried in history.carried:
        if carried.event_id not in staged_ids:
            verdict.note("unexpected", carried.event_id, f"on {carried.topic} but in no outbox")
    _check_order(history, verdict)
    for name, (staged_count, counted) in history.figures.items():
        if counted > staged_count:
            verdict.note("duplicated", f"figure {name}", f"counts {counted}, {staged_count} events staged")
        elif counted < staged_count:
            verdict.note("lost", f"figure {name}", f"counts {counted}, {staged_count} events staged")
    return verdict


def _check_op(history: History, op: Op, events: list[Staged], on_topic: set[str], verdict: Verdict) -> None:
    stored = history.stored.get(op.id, 0)
    models = history.read_models.get(op.id, {})
    effects = bool(events) or stored > 0 or any(models.values()) or history.webhook.get(op.id, 0) > 0
    if op.refusal or op.outcome == "failed":
        if op.outcome == "ok" or effects:
            verdict.note("unexpected", op.id, f"{op.kind}: {'accepted' if op.outcome == 'ok' else 'effects'}")
        return
    if op.outcome == "ok":
        lost = _lost(history, op, events, stored, models, on_topic)
        if lost:
            verdict.note("lost", op.id, f"{op.kind}: {lost}")
    else:  # unknown: any effect may be there or not, but once there it is whole
        if effects and (lost := _lost(history, op, events, stored, models, on_topic)):
            verdict.note("lost", op.id, f"{op.kind} (unknown, partly applied): {lost}")
    twice = [f"{t} of {k}" for (t, k), n in Counter((e.event_type, e.key) for e in events).items() if n > 1]
    if stored > 1 or twice:
        verdict.note("duplicated", op.id, f"{op.kind}: {stored} rows stored, events twice: {twice}")
    for model, rows in models.items():
        if rows > 1:
            verdict.note("duplicated", op.id, f"{op.kind}: {rows} rows in {model}")
    if history.webhook.get(op.id, 0) > 1:
        verdict.note("duplicated", op.id, f"{op.kind}: the receiver saw it under {history.webhook[op.id]} keys")


def _lost(
    history: History, op: Op, events: list[Staged], stored: int, models: dict[str, int], on_topic: set[str]
) -> str:
    if op.id in history.stored and stored == 0:
        return "not in its owning store"
    if not events:
        return "no event in its outbox"
    for event in events:
        if event.event_id not in on_topic:
            return f"{event.event_type} {event.event_id} not on {event.topic}"
        for consumer in sorted(history.consumers.get(event.event_type, ())):
            if event.event_id not in history.inboxes.get(consumer, set()):
                return f"{event.event_type} {event.event_id} not applied by {consumer}"
    missing = [model for model, rows in models.items() if rows == 0]
    if missing:
        return f"not in {', '.join(missing)}"
    if op.id in history.webhook and history.webhook[op.id] == 0:
        return "never accepted by the webhook receiver"
    return ""


def _check_order(history: History, verdict: Verdict) -> None:
    """Per topic, partition and key, the first time each event shows up must follow its outbox order;
    a re-sent event after a relay crash repeats older ones, which the inbox absorbs."""
    staged = {e.event_id: e for e in history.staged}
    streams: dict[tuple[str, int, str], list[Carried]] = defaultdict(list)
    for carried in sorted(history.carried, key=lambda c: (c.topic, c.partition, c.offset)):
        streams[(carried.topic, carried.partition, carried.key)].append(carried)
    for (topic, _, key), records in streams.items():
        seen: set[str] = set()
        last = -1
        for record in records:
            if record.event_id in seen or record.event_id not in staged:
                continue
            seen.add(record.event_id)
            seq = staged[record.event_id].seq
            if seq < last:
                verdict.note(
                    "reordered", record.correlation_id, f"{topic} key {key}: {record.event_id} after a later one"
                )
            last = max(last, seq)


FAULT_ROW = "fault"
"""The name under which each fault case records (case name, commands, findings) on its test report: the
reports reach the process that prints the table, also from pytest-xdist's workers."""


def recorded_rows(reports: list) -> list[tuple[str, Verdict]]:
    """The (case name, Verdict) of every fault case among test reports, in the order of `reports`."""
    rows = [value for r in reports if r.when == "call" for key, value in r.user_properties if key == FAULT_ROW]
    return [(name, Verdict(commands, found)) for name, commands, found in rows]


def table(rows: list[tuple[str, Verdict]]) -> str:
    """One table: fault × commands × lost × unexpected × duplicated × reordered."""
    head = ("fault", "commands", *ANOMALIES)
    body = [(name, str(v.commands), *(str(v.count(a)) for a in ANOMALIES)) for name, v in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        return (
            "| "
            + " | ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            + " |"
        )

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), rule, *(line(r) for r in body)])


def details(rows: list[tuple[str, Verdict]], limit: int = 10) -> str:
    """The first few findings of each anomaly, to say what a non-zero cell is made of."""
    out = []
    for name, verdict in rows:
        for anomaly in ANOMALIES:
            for what, why in list(verdict.found[anomaly].items())[:limit]:
                out.append(f"{name}: {anomaly} {what}: {why}")
    return "\n".join(out)
