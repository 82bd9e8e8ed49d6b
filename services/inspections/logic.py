"""Pure rules of inspections and discipline: plain values in, a decision out."""

from collections.abc import Mapping, Sequence
from datetime import date

from neuguong.periods import period_bounds
from neuguong.runtime.errors import Refusal

# Party Charter, art. 35–36: organisations are reprimanded, warned or dissolved; members may also be
# removed from post or expelled. Dissolution is not a measure of this system.
MEASURES_FOR = {"member": ("reprimand", "warning", "removal_from_post", "expulsion"), "unit": ("reprimand", "warning")}


def committee_refusal(committee_unit_id: str, target_path: Sequence[str], token_unit: str) -> Refusal:
    """The inspecting committee is the token's unit or a unit below it, at or above the target."""
    allowed = list(target_path[target_path.index(token_unit) :]) if token_unit in target_path else []
    if committee_unit_id not in allowed:
        return (
            "committee_unit_id",
            f"{committee_unit_id} is not between {token_unit} and the target (one of: {', '.join(allowed)})",
        )
    return None


def opening_refusal(period: str, opened_on: date, today: date) -> Refusal:
    """An inspection opens no later than today, on a period that has begun."""
    if opened_on > today:
        return "opened_on", f"{opened_on} is in the future"
    start, _ = period_bounds(period)
    if start > opened_on:
        return "period", f"{period} has not begun on {opened_on}"
    return None


def conclusion_refusal(opened_on: date, concluded_on: date, today: date) -> Refusal:
    """A conclusion comes after the opening and not in the future."""
    if concluded_on > today:
        return "concluded_on", f"{concluded_on} is in the future"
    if concluded_on < opened_on:
        return "concluded_on", f"{concluded_on} is before the inspection was opened ({opened_on})"
    return None


def discipline_refusal(target_kind: str, measure: str, decided_on: date, today: date) -> Refusal:
    """The measure must exist for the kind of target; the decision is not in the future."""
    if measure not in MEASURES_FOR[target_kind]:
        allowed = ", ".join(MEASURES_FOR[target_kind])
        return "measure", f"{measure} is not a measure against a {target_kind} (allowed: {allowed})"
    if decided_on > today:
        return "decided_on", f"{decided_on} is in the future"
    return None


def basis_refusal(inspection: Mapping | None, target_kind: str, target_id: str, decided_on: date) -> Refusal:
    """A discipline that cites an inspection follows its violation conclusion, about the same target."""
    if inspection is None:
        return "inspection_id", "unknown inspection"
    if (inspection["target_kind"], inspection["target_id"]) != (target_kind, target_id):
        return "inspection_id", f"{inspection['inspection_id']} is about {inspection['target_id']}, not {target_id}"
    if inspection["conclusion"] != "violation":
        found = inspection["conclusion"] or "no conclusion yet"
        return "inspection_id", f"{inspection['inspection_id']} found no violation ({found})"
    if decided_on < inspection["concluded_on"]:
        return "decided_on", f"{decided_on} is before the violation was concluded ({inspection['concluded_on']})"
    return None
