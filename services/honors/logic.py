"""Pure rules of the honor roll: cadence (rule 5), levels and who records where (DESIGN.md §5, §8).

Cadence of each level's roll (rule 5; district and province are this system's decision):

- cell (rural and agency cells alike): by month — the monthly cell session names the month's examples;
- grassroots committee: by half-year and by year — its six-month and year-end reviews;
- district (the former district-level committees): by half-year and by year, like grassroots;
- province: by year — the province honors once a year, at its year-end review.

A period must also have begun: nobody is honored for a month that has not started.
"""

from collections.abc import Sequence
from datetime import date

from neuguong.periods import PeriodKind, period_bounds, period_kind

Refusal = tuple[str, str] | None
"""(field, reason) when a command breaks a rule, None when it may go ahead."""

CADENCE: dict[str, tuple[PeriodKind, ...]] = {
    "cell": ("month",),
    "grassroots": ("half-year", "year"),
    "district": ("half-year", "year"),
    "province": ("year",),
}
EXAMPLE = {"month": "2026-05", "quarter": "2026-Q2", "half-year": "2026-H1", "year": "2026"}


def allowed_period_kinds(level: str) -> tuple[PeriodKind, ...]:
    """The kinds of period the roll of a unit at `level` is kept by."""
    return CADENCE[level]


def cadence_refusal(level: str, period: str, today: date) -> Refusal:
    """Rule 5: the period must be of a kind the recording unit's roll is kept by, and have begun."""
    kind, allowed = period_kind(period), CADENCE[level]
    if kind not in allowed:
        examples = ", ".join(f"{k} ({EXAMPLE[k]})" for k in allowed)
        return "period", f"{period} is a {kind}; the {level} honor roll is kept by {examples}"
    if period_bounds(period)[0] > today:
        return "period", f"{period} has not begun yet"
    return None


def subject_refusal(subject_kind: str, subject_path: Sequence[str], recording_unit_id: str) -> Refusal:
    """A member of the recording unit's subtree, or a collective strictly below it (a unit does not
    honor itself: collectives are honored by the level above)."""
    if recording_unit_id not in subject_path:
        return "subject.id", f"not in the subtree of {recording_unit_id}"
    if subject_kind == "unit" and subject_path[-1] == recording_unit_id:
        return "subject.id", f"{recording_unit_id} cannot honor itself; the unit above records collective honors"
    return None


def level_refusal(requested: str | None, level: str, recording_unit_id: str) -> Refusal:
    """The recording unit fixes the level; a level sent with the command must agree with it."""
    if requested is not None and requested != level:
        return "level", f"{recording_unit_id} keeps a {level}-level roll, not a {requested}-level one"
    return None


def receiving_unit(proposing_path: Sequence[str]) -> str | None:
    """The unit directly above the proposing unit, which decides its nominations (None at the top)."""
    return proposing_path[-2] if len(proposing_path) >= 2 else None
