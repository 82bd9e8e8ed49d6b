"""Pure rules of services/inspections: the inspecting committee, dates, measures, a discipline's basis."""

from datetime import date

import pytest

from services.inspections.logic import (
    basis_refusal,
    committee_refusal,
    conclusion_refusal,
    discipline_refusal,
    opening_refusal,
    period_bounds,
)

TODAY = date(2026, 6, 15)
PATH = ["lc", "lc-x1", "lc-x1-c01"]


def test_period_bounds():
    assert period_bounds("2026-H2") == (date(2026, 7, 1), date(2026, 12, 31))
    assert period_bounds("2026-Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_bounds("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert period_bounds("2026") == (date(2026, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    "committee, token_unit, ok",
    [
        ("lc", "lc", True),
        ("lc-x1", "lc", True),
        ("lc-x1-c01", "lc", True),
        ("lc-x1", "lc-x1", True),
        ("lc", "lc-x1", False),  # above the token's unit
        ("lc-x2", "lc", False),  # not on the target's path
    ],
)
def test_the_inspecting_committee_is_between_the_token_and_the_target(committee, token_unit, ok):
    refusal = committee_refusal(committee, PATH, token_unit)
    assert (refusal is None) is ok
    if not ok:
        assert refusal[0] == "committee_unit_id"


def test_opening_dates():
    assert opening_refusal("2026-Q2", date(2026, 6, 1), TODAY) is None
    assert opening_refusal("2025", date(2026, 1, 10), TODAY) is None
    assert opening_refusal("2026-Q2", date(2026, 6, 16), TODAY) == ("opened_on", "2026-06-16 is in the future")
    assert opening_refusal("2026-Q3", date(2026, 6, 1), TODAY) == ("period", "2026-Q3 has not begun on 2026-06-01")


def test_conclusion_dates():
    assert conclusion_refusal(date(2026, 6, 1), date(2026, 6, 1), TODAY) is None
    assert conclusion_refusal(date(2026, 6, 1), date(2026, 5, 31), TODAY)[0] == "concluded_on"
    assert conclusion_refusal(date(2026, 6, 1), date(2026, 6, 16), TODAY) == (
        "concluded_on",
        "2026-06-16 is in the future",
    )


@pytest.mark.parametrize(
    "kind, measure, ok",
    [
        ("member", "reprimand", True),
        ("member", "warning", True),
        ("member", "removal_from_post", True),
        ("member", "expulsion", True),
        ("unit", "reprimand", True),
        ("unit", "warning", True),
        ("unit", "removal_from_post", False),
        ("unit", "expulsion", False),
    ],
)
def test_measures_fit_the_target(kind, measure, ok):
    refusal = discipline_refusal(kind, measure, TODAY, TODAY)
    assert (refusal is None) is ok
    if not ok:
        assert refusal[0] == "measure" and "reprimand, warning" in refusal[1]


def test_a_discipline_is_not_decided_in_the_future():
    assert discipline_refusal("member", "warning", date(2026, 6, 16), TODAY)[0] == "decided_on"


def inspection(**changes):
    return {
        "inspection_id": "kt-1",
        "target_kind": "member",
        "target_id": "m1",
        "conclusion": "violation",
        "concluded_on": date(2026, 6, 1),
        **changes,
    }


def test_a_discipline_cites_a_violation_about_the_same_target():
    assert basis_refusal(inspection(), "member", "m1", date(2026, 6, 2)) is None
    assert basis_refusal(None, "member", "m1", TODAY) == ("inspection_id", "unknown inspection")
    assert "is about m1, not m2" in basis_refusal(inspection(), "member", "m2", TODAY)[1]
    assert (
        "found no violation (compliant)" in basis_refusal(inspection(conclusion="compliant"), "member", "m1", TODAY)[1]
    )
    assert (
        "no conclusion yet" in basis_refusal(inspection(conclusion=None, concluded_on=None), "member", "m1", TODAY)[1]
    )
    assert basis_refusal(inspection(), "member", "m1", date(2026, 5, 1))[0] == "decided_on"
