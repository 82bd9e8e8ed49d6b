"""Pure rules of the honor roll: which periods a roll takes (rule 5, from neuguong.cadence, and the 2025
reorganisation), levels and who records where (DESIGN.md §5, §8). Rule 6 is in eligibility.py.

A period must also have begun: nobody is honored for a month that has not started.
"""

from collections.abc import Sequence
from datetime import date

from neuguong.cadence import DISTRICT_LEVEL_CEASED_ON, level_existed, roll_period_kinds
from neuguong.periods import period_bounds, period_kind
from neuguong.runtime.errors import Refusal

EXAMPLE = {"month": "2026-05", "quarter": "2026-Q2", "half-year": "2026-H1", "year": "2026"}


def cadence_refusal(level: str, period: str, today: date) -> Refusal:
    """Rule 5: the period must be of a kind the recording unit's roll is kept by, and have begun."""
    kind, allowed = period_kind(period), roll_period_kinds(level)
    if kind not in allowed:
        examples = ", ".join(f"{k} ({EXAMPLE[k]})" for k in allowed)
        return "period", f"{period} is a {kind}; the {level} honor roll is kept by {examples}"
    if period_bounds(period)[0] > today:
        return "period", f"{period} has not begun yet"
    return None


def reorganisation_refusal(level: str, period: str) -> Refusal:
    """A district-level roll takes only periods that began before the district level ceased (2025-07-01);
    a period that began earlier (2025, 2025-H1) was the district's own and may still be recorded."""
    if not level_existed(level, period):
        return "period", (
            f"{period} begins on or after {DISTRICT_LEVEL_CEASED_ON}, when the district level "
            "ceased in the reorganisation; a district-level roll takes only earlier periods"
        )
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


def nominee_refusal(subject_path: Sequence[str], proposing_unit_id: str) -> Refusal:
    """A unit nominates only subjects of its own subtree."""
    if proposing_unit_id not in subject_path:
        return "subject.id", f"not in the subtree of the proposing unit {proposing_unit_id}"
    return None
