"""Rule 6, the eligibility gate, and which honors a later finding revokes: pure functions.

All dates are local calendar days (Asia/Ho_Chi_Minh). For an honor of period P (first day P.start,
last day P.end) decided — recorded, or approved from a nomination — on day T:

- "the last 12 months" is the window W(P, T) = (year_before(R), T] with R = min(P.end, T): the 12 months
  up to the end of the honor's period (or up to today while the period is still running), and every day
  since, up to the decision. year_before(d) is the same day a year earlier, so the honor of 2025 looks at
  1 Jan 2025 – T and the honor of 2026-03 at 1 Apr 2025 – T. A finding made after the period still counts:
  nobody is honored for last year while disciplined this spring.
- "the last year" (ratings) is P's year and the year before: any honor of a 2026 period is barred by a
  not_completed rating for 2025 or 2026 — the rating as it stands now (a later rating replaces the earlier).

A subject is not eligible when it has any of (every one found is a reason):

1. open_inspection — an inspection or supervision of it opened and not yet concluded, whatever its dates;
2. violation — an inspection of it concluded `violation`, concluded within W, or about a period overlapping P;
3. discipline — a discipline decided within W;
4. not_completed_rating — (members only) a not_completed rating for P's year or the year before.

Only findings about the subject itself count: a cell's violation does not bar its members, nor a member's
violation the cell.

Revocation, when a finding reaches the honor roll after an honor was recorded on day T_rec:

- a violation revokes every honor of the target whose period overlaps the inspected period;
- a discipline decided on d revokes every honor of the target whose period overlaps the 12 months up to the
  decision, (year_before(d), d];
- either also revokes an honor the gate would have refused had the finding been known when it was recorded
  (its date lies in W(P, T_rec)): the honor exists only because the news travelled late.
"""

from dataclasses import dataclass, field
from datetime import date

from neuguong.periods import overlaps, period_bounds, year_before


@dataclass(frozen=True)
class InspectionFact:
    """What the honor roll knows of an inspection or supervision of a subject."""

    inspection_id: str
    kind: str
    period: str
    opened_on: date
    conclusion: str | None = None
    concluded_on: date | None = None


@dataclass(frozen=True)
class DisciplineFact:
    """A discipline imposed on a subject."""

    discipline_id: str
    measure: str
    decided_on: date


@dataclass(frozen=True)
class RatingFact:
    """A member's current year-end rating."""

    year: int
    rating: str
    commitment_id: str = ""


@dataclass(frozen=True)
class Findings:
    """Everything about one subject that can bar an honor."""

    inspections: tuple[InspectionFact, ...] = ()
    disciplines: tuple[DisciplineFact, ...] = ()
    ratings: tuple[RatingFact, ...] = ()


@dataclass(frozen=True)
class Reason:
    """One reason a subject may not be honored, naming the finding."""

    code: str
    ref: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The reason as an HTTP answer shows it."""
        return {"code": self.code, "ref": self.ref, "message": self.message}


@dataclass(frozen=True)
class Eligibility:
    """The gate's verdict: eligible when there is no reason against."""

    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return not self.reasons


def gate_window(period: str, today: date) -> tuple[date, date]:
    """W(P, T) as (first excluded day, last included day): findings dated d with first < d <= last count."""
    return year_before(min(period_bounds(period)[1], today)), today


def in_window(day: date, window: tuple[date, date]) -> bool:
    """True when `day` falls in the window (first day excluded, last included)."""
    return window[0] < day <= window[1]


def is_eligible_for_honor(subject_kind: str, findings: Findings, period: str, today: date) -> Eligibility:
    """Rule 6 for a subject, an honor period and the day of the decision; every reason found is given."""
    window, reasons = gate_window(period, today), []
    for i in findings.inspections:
        if i.conclusion is None:
            reasons.append(
                Reason(
                    "open_inspection",
                    i.inspection_id,
                    f"{i.kind} {i.inspection_id} of {i.period} opened on {i.opened_on} is still open",
                )
            )
        elif i.conclusion == "violation" and (in_window(i.concluded_on, window) or overlaps(i.period, period)):
            message = f"{i.kind} {i.inspection_id} of {i.period} concluded a violation on {i.concluded_on}"
            reasons.append(Reason("violation", i.inspection_id, message))
    for d in findings.disciplines:
        if in_window(d.decided_on, window):
            reasons.append(
                Reason(
                    "discipline",
                    d.discipline_id,
                    f"discipline {d.discipline_id} ({d.measure}) decided on {d.decided_on}",
                )
            )
    if subject_kind == "member":
        year = int(period[:4])
        for r in sorted(findings.ratings, key=lambda r: r.year):
            if r.rating == "not_completed" and r.year in (year - 1, year):
                of = f" (commitment {r.commitment_id})" if r.commitment_id else ""
                reasons.append(
                    Reason(
                        "not_completed_rating", r.commitment_id or str(r.year), f"rated not_completed for {r.year}{of}"
                    )
                )
    return Eligibility(tuple(reasons))


def violation_revokes(inspected_period: str, concluded_on: date, honor_period: str, recorded_on: date) -> bool:
    """Whether a violation concluded after the honor was recorded takes it off the roll."""
    return overlaps(inspected_period, honor_period) or in_window(concluded_on, gate_window(honor_period, recorded_on))


def discipline_revokes(decided_on: date, honor_period: str, recorded_on: date) -> bool:
    """Whether a discipline learned after the honor was recorded takes it off the roll."""
    start, end = period_bounds(honor_period)
    return (year_before(decided_on) < end and start <= decided_on) or in_window(
        decided_on, gate_window(honor_period, recorded_on)
    )
