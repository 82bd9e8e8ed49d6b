"""Rule 6 as pure functions: every reason of the gate, its windows, and what a later finding revokes."""

from datetime import date

import pytest

from services.honors.eligibility import (
    DisciplineFact,
    Findings,
    InspectionFact,
    RatingFact,
    discipline_revokes,
    gate_window,
    is_eligible_for_honor,
    violation_revokes,
)

TODAY = date(2026, 4, 10)


def opened(inspection_id="kt-1", period="2026-Q1", opened_on=date(2026, 3, 1), **changes) -> InspectionFact:
    return InspectionFact(inspection_id, "inspection", period, opened_on, **changes)


def violation(inspection_id="kt-1", period="2025", concluded_on=date(2026, 3, 20)) -> InspectionFact:
    return InspectionFact(inspection_id, "inspection", period, date(2026, 2, 1), "violation", concluded_on)


def codes(verdict) -> list[tuple[str, str]]:
    return [(r.code, r.ref) for r in verdict.reasons]


def test_a_subject_with_a_clean_record_is_eligible():
    verdict = is_eligible_for_honor("member", Findings(), "2026-03", TODAY)
    assert verdict and verdict.reasons == ()


def test_findings_that_bar_nothing_leave_the_subject_eligible():
    findings = Findings(
        inspections=(
            InspectionFact("kt-ok", "supervision", "2026-Q1", date(2026, 1, 5), "compliant", date(2026, 2, 1)),
            InspectionFact("kt-sc", "inspection", "2026-Q1", date(2026, 1, 5), "shortcomings", date(2026, 2, 1)),
        ),
        ratings=(RatingFact(2025, "good", "cm-1"), RatingFact(2023, "not_completed", "cm-0")),
    )
    assert is_eligible_for_honor("member", findings, "2026-03", TODAY)


def test_an_open_inspection_bars_whatever_its_dates():
    findings = Findings(inspections=(opened(period="2023", opened_on=date(2024, 1, 1)),))
    verdict = is_eligible_for_honor("member", findings, "2026-03", TODAY)
    assert not verdict
    assert codes(verdict) == [("open_inspection", "kt-1")]
    assert "kt-1" in verdict.reasons[0].message and "still open" in verdict.reasons[0].message


def test_a_violation_concluded_in_the_last_12_months_bars():
    verdict = is_eligible_for_honor("member", Findings(inspections=(violation(),)), "2026-03", TODAY)
    assert codes(verdict) == [("violation", "kt-1")]


def test_a_discipline_in_the_last_12_months_bars_and_names_the_measure():
    findings = Findings(disciplines=(DisciplineFact("kl-7", "warning", date(2025, 6, 1)),))
    verdict = is_eligible_for_honor("member", findings, "2026-03", TODAY)
    assert codes(verdict) == [("discipline", "kl-7")]
    assert "warning" in verdict.reasons[0].message


@pytest.mark.parametrize("year", [2025, 2026])
def test_a_not_completed_rating_of_the_honor_year_or_the_year_before_bars(year):
    findings = Findings(ratings=(RatingFact(year, "not_completed", f"cm-{year}"),))
    verdict = is_eligible_for_honor("member", findings, "2026-03", TODAY)
    assert codes(verdict) == [("not_completed_rating", f"cm-{year}")]


def test_ratings_do_not_apply_to_collectives():
    findings = Findings(ratings=(RatingFact(2025, "not_completed", "cm-1"),))
    assert is_eligible_for_honor("unit", findings, "2026-H1", date(2026, 7, 1))


def test_every_reason_is_given_not_just_the_first():
    findings = Findings(
        inspections=(opened("kt-2"), violation("kt-1")),
        disciplines=(DisciplineFact("kl-1", "reprimand", date(2026, 1, 15)),),
        ratings=(RatingFact(2025, "not_completed", "cm-1"),),
    )
    verdict = is_eligible_for_honor("member", findings, "2026-03", TODAY)
    assert sorted(code for code, _ in codes(verdict)) == [
        "discipline",
        "not_completed_rating",
        "open_inspection",
        "violation",
    ]


# "The last 12 months": (year_before(min(period end, today)), today].
@pytest.mark.parametrize(
    "period, today, first_excluded, last",
    [
        ("2025", date(2026, 1, 20), date(2024, 12, 31), date(2026, 1, 20)),  # the year itself and since
        ("2026-03", date(2026, 4, 10), date(2025, 3, 31), date(2026, 4, 10)),  # 1 Apr 2025 onwards
        ("2026-H1", date(2026, 5, 10), date(2025, 5, 10), date(2026, 5, 10)),  # period still running: from today
        ("2024-02", date(2024, 2, 29), date(2023, 2, 28), date(2024, 2, 29)),  # 29 Feb steps back to 28 Feb
    ],
)
def test_the_gate_window(period, today, first_excluded, last):
    assert gate_window(period, today) == (first_excluded, last)


@pytest.mark.parametrize(
    "decided_on, bars",
    [
        (date(2025, 3, 31), False),  # exactly 12 months before the end of 2026-03: outside
        (date(2025, 4, 1), True),  # first day inside
        (date(2026, 4, 9), True),  # after the period, before the decision: still counts
        (date(2024, 12, 1), False),
    ],
)
def test_discipline_window_edges(decided_on, bars):
    findings = Findings(disciplines=(DisciplineFact("kl-1", "reprimand", decided_on),))
    assert bool(is_eligible_for_honor("member", findings, "2026-03", TODAY)) is not bars


@pytest.mark.parametrize(
    "concluded_on, period, bars",
    [
        (date(2025, 3, 31), "2024", False),  # old, about another period
        (date(2025, 3, 31), "2026", True),  # concluded before the window, but about an overlapping period
        (date(2025, 4, 1), "2024", True),  # concluded inside the window
    ],
)
def test_violation_window_or_overlapping_period(concluded_on, period, bars):
    findings = Findings(inspections=(violation(period=period, concluded_on=concluded_on),))
    assert bool(is_eligible_for_honor("member", findings, "2026-03", TODAY)) is not bars


@pytest.mark.parametrize("rating_year, bars", [(2024, False), (2025, True), (2026, True), (2027, False)])
def test_the_last_year_of_ratings_is_the_honor_year_and_the_one_before(rating_year, bars):
    findings = Findings(ratings=(RatingFact(rating_year, "not_completed"),))
    assert bool(is_eligible_for_honor("member", findings, "2026-H1", date(2026, 7, 2))) is not bars


@pytest.mark.parametrize(
    "inspected, honor, recorded_on, revoked",
    [
        ("2026-Q1", "2026-03", date(2026, 4, 2), True),  # overlapping periods
        ("2026-Q1", "2026-H1", date(2026, 7, 2), True),
        ("2025", "2025-12", date(2026, 1, 5), True),
        ("2025-H1", "2025-09", date(2025, 10, 1), False),  # another period, concluded after the honor
        ("2024", "2025-09", date(2025, 10, 1), False),
    ],
)
def test_a_violation_revokes_honors_of_the_inspected_period(inspected, honor, recorded_on, revoked):
    assert violation_revokes(inspected, date(2026, 5, 1), honor, recorded_on) is revoked


def test_a_violation_concluded_before_the_honor_but_learned_later_revokes_it():
    # Concluded on 28 March, known to the roll only after an April honor was recorded on 5 April.
    assert violation_revokes("2025-H2", date(2026, 3, 28), "2026-04", date(2026, 4, 5))
    assert not violation_revokes("2025-H2", date(2024, 3, 28), "2026-04", date(2026, 4, 5))


@pytest.mark.parametrize(
    "honor, recorded_on, revoked",
    [
        ("2026-02", date(2026, 3, 1), True),  # inside the 12 months before the decision
        ("2025-04", date(2025, 5, 1), True),  # ends after 10 Apr 2025
        ("2025-03", date(2025, 4, 1), False),  # ended before the 12 months
        ("2025", date(2026, 1, 5), True),
        ("2024", date(2025, 1, 5), False),
        ("2026-05", date(2026, 5, 3), True),  # later period, recorded before the decision was known
    ],
)
def test_a_discipline_revokes_the_honors_of_the_12_months_before_it(honor, recorded_on, revoked):
    assert discipline_revokes(date(2026, 4, 10), honor, recorded_on) is revoked
