"""Rules of the honor roll beside cadence: the 2025 reorganisation (the district level ceased on 2025-07-01,
so a district-level roll takes only the periods that began before that day) and whom a unit may nominate."""

import pytest

from services.honors.logic import nominee_refusal, reorganisation_refusal


@pytest.mark.parametrize("period", ["2025-H1", "2025", "2025-06", "2025-Q2", "2024-H2", "2021"])
def test_a_district_roll_keeps_the_periods_that_began_before_the_edge(period):
    assert reorganisation_refusal("district", period) is None


@pytest.mark.parametrize("period", ["2025-H2", "2025-07", "2025-Q3", "2026", "2026-H1"])
def test_a_district_roll_refuses_a_period_beginning_on_or_after_2025_07_01(period):
    field, reason = reorganisation_refusal("district", period)
    assert field == "period"
    assert reason == (
        f"{period} begins on or after 2025-07-01, when the district level ceased in the "
        "reorganisation; a district-level roll takes only earlier periods"
    )


@pytest.mark.parametrize("level", ["cell", "grassroots", "province"])
def test_the_other_levels_go_on_across_the_edge(level):
    assert reorganisation_refusal(level, "2025-H2") is None and reorganisation_refusal(level, "2026") is None


def test_a_unit_nominates_only_subjects_of_its_own_subtree():
    path = ["lc", "lc-x1", "lc-x1-c01"]
    assert nominee_refusal(path, "lc-x1-c01") is None and nominee_refusal(path, "lc-x1") is None
    assert nominee_refusal(path, "lc-x2-c01") == ("subject.id", "not in the subtree of the proposing unit lc-x2-c01")
