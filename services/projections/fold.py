"""A consumer batch's writes folded in memory and applied with one statement per table.

The handlers (handlers.py) are the executable specification: called alone, every write goes to the database
at once. Inside `folded`, the writes nothing in the same batch reads back are kept here instead and applied
at the end of the batch, in its transaction:

- figures, summed per (unit, period, figure): addition commutes, and no handler reads `unit_figures`;
- member acts (`member_acts`): a self-review takes its leader flags from the member's filing of that year,
  which may be earlier in the same batch (then its flags are taken from here) or in the database (then it is
  written before the batch's own filings, so that a filing later in the batch stays unseen, as it would be
  event by event).

Rows that a later event of the same batch reads or changes (ratings, sessions, honors, checks) are written at
once as before. tests/handlers/test_projections_fold.py runs random histories both ways and requires equal
tables.
"""

import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date

import asyncpg

ADD_FIGURES = """
INSERT INTO unit_figures (unit_id, period, figure, value)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
ON CONFLICT (unit_id, period, figure) DO UPDATE SET value = unit_figures.value + excluded.value
"""
# Acts whose flags the event gave. A unit path travels joined by U+001F: arrays of arrays must be rectangular.
INSERT_ACTS = """
INSERT INTO member_acts (act, member_id, period, first_day, last_day, unit_path, is_leader, is_head)
SELECT act, member_id, period, first_day, last_day, string_to_array(path, E'\\x1f'), is_leader, is_head
FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::text[], $7::bool[], $8::bool[])
     AS a(act, member_id, period, first_day, last_day, path, is_leader, is_head)
ON CONFLICT (act, member_id, period) DO NOTHING
"""
# Acts without flags take those of the member's filing of that year: the one the database held before the
# batch (a later filing of the same year changes nothing), else one earlier in the batch ($7, $8), else none.
INSERT_ACTS_FLAGGED_BY_FILING = """
INSERT INTO member_acts (act, member_id, period, first_day, last_day, unit_path, is_leader, is_head)
SELECT a.act, a.member_id, a.period, a.first_day, a.last_day, string_to_array(a.path, E'\\x1f'),
       coalesce(f.is_leader, a.is_leader, false), coalesce(f.is_head, a.is_head, false)
FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::text[], $7::bool[], $8::bool[])
     AS a(act, member_id, period, first_day, last_day, path, is_leader, is_head)
LEFT JOIN member_acts f ON f.act = 'filed' AND f.member_id = a.member_id AND f.period = left(a.period, 4)
ON CONFLICT (act, member_id, period) DO NOTHING
"""
SEPARATOR = "\x1f"

ActKey = tuple[str, str, str]  # act, member, period


@dataclass
class Act:
    first_day: date
    last_day: date
    path: str  # the unit path joined by SEPARATOR
    is_leader: bool | None
    is_head: bool | None
    flagged: bool  # the event gave the flags; else they are those of an earlier filing in the batch, if any


@dataclass
class Fold:
    """What one batch has written so far and not yet applied."""

    figures: dict[tuple[str, str, str], int] = field(default_factory=dict)
    acts: dict[ActKey, Act] = field(default_factory=dict)  # the first of each key, as ON CONFLICT DO NOTHING keeps

    def add_to_figures(self, unit_path: list[str], periods: list[str], figures: list[str], delta: int) -> None:
        if len(set(unit_path)) != len(unit_path):
            # One by one the upsert refuses to touch a row twice; here the batch fails as well, and is then
            # applied one event at a time, where this event meets that refusal (retried, then dead-lettered).
            raise ValueError(f"unit_path: a unit appears twice in {unit_path}")
        for unit in unit_path:
            for period in periods:
                for figure in figures:
                    key = (unit, period, figure)
                    self.figures[key] = self.figures.get(key, 0) + delta  # a 0 left here still makes its row

    def remember_act(
        self,
        act: str,
        member_id: str,
        period: str,
        bounds: tuple[date, date],
        unit_path: list[str],
        is_leader: bool | None,
        is_head: bool | None,
    ) -> None:
        if (is_leader is None) != (is_head is None):
            raise ValueError("remember_act: both leader flags or neither")
        key = (act, member_id, period)
        if key in self.acts:
            return
        flagged = is_leader is not None
        if not flagged:
            filed = self.acts.get(("filed", member_id, period[:4]))
            if filed is not None:
                is_leader, is_head = filed.is_leader, filed.is_head
        self.acts[key] = Act(bounds[0], bounds[1], SEPARATOR.join(unit_path), is_leader, is_head, flagged)

    async def apply(self, conn: asyncpg.Connection) -> None:
        """Write what the batch left here: one statement per table (two for the acts)."""
        rows = [(*k, a.first_day, a.last_day, a.path, a.is_leader, a.is_head) for k, a in self.acts.items()]
        unflagged = [row for row, a in zip(rows, self.acts.values(), strict=True) if not a.flagged]
        flagged = [row for row, a in zip(rows, self.acts.values(), strict=True) if a.flagged]
        if unflagged:  # before the batch's own filings: they must not be seen, as they would not be one by one
            await conn.execute(INSERT_ACTS_FLAGGED_BY_FILING, *_columns(unflagged, 8))
        if flagged:
            await conn.execute(INSERT_ACTS, *_columns(flagged, 8))
        if self.figures:
            ordered = sorted(self.figures.items())  # one lock order for every batch: fewer deadlocks between topics
            await conn.execute(ADD_FIGURES, *_columns([(*k, v) for k, v in ordered], 4))


def _columns(rows: list[tuple], width: int) -> list[list]:
    """Rows as the column arrays `unnest` takes."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


PENDING: ContextVar[Fold | None] = ContextVar("projections_fold", default=None)
"""The fold of the batch being applied, or None: each write then goes to the database at once."""


@contextlib.asynccontextmanager
async def folded(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """Keep the batch's foldable writes in memory while its handlers run; apply them when they all succeeded."""
    fold = Fold()
    token = PENDING.set(fold)
    try:
        yield
    finally:
        PENDING.reset(token)
    await fold.apply(conn)
