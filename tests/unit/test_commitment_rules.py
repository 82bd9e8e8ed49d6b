"""Rules 1–4 of commitments and sessions as pure functions."""

from datetime import date

import pytest

from neuguong.runtime.directory import Member
from services.commitments.logic import (
    DisciplineFact,
    ReportFacts,
    filing_refusal,
    is_exempt,
    missing_sessions,
    month_refusal,
    on_time_percent,
    rating_refusal,
    results_refusal,
    session_refusal,
)


def member(**changes) -> Member:
    values = dict(
        member_id="m1",
        full_name="Lò Văn Hùng",
        cell_id="c1",
        admitted_on=date(2010, 5, 1),
        status="active",
        is_leader=False,
        is_head=False,
        left_party=False,
    )
    return Member(**{**values, **changes})


@pytest.mark.parametrize(
    "changes, exempt",
    [
        ({}, False),
        ({"admitted_on": date(2025, 9, 1)}, True),  # under 6 months on 1 January 2026
        ({"admitted_on": date(2025, 6, 1)}, False),  # 7 months
        ({"status": "exempted"}, True),
        ({"status": "suspended"}, True),
    ],
)
def test_rule_2_exemptions(changes, exempt):
    assert is_exempt(member(**changes), 2026) is exempt


def test_filing_refusals_name_the_field():
    today = date(2026, 3, 1)
    assert filing_refusal(member(), 2026, today) is None
    assert filing_refusal(member(), 2025, today) is None
    assert filing_refusal(member(left_party=True), 2026, today) == ("member_id", "no longer a party member")
    field, reason = filing_refusal(member(), 2027, today)
    assert field == "year" and "future" in reason


def test_monthly_records_stay_in_the_year_and_the_past():
    today = date(2026, 5, 20)
    assert month_refusal("month", "2026-05", 2026, today) is None
    assert month_refusal("month", "2025-12", 2026, today) == ("month", "2025-12 is not in the commitment's year 2026")
    assert month_refusal("month", "2026-06", 2026, today) == ("month", "2026-06 is in the future")


@pytest.mark.parametrize(
    "plan, on_time, percent",
    [
        (["p1", "p2"], ["p1", "p2"], 100),
        (["p1", "p2", "p3"], ["p1"], 33),
        (["p1", "p2"], [], 0),
        ([], [], 100),
    ],
)
def test_on_time_share(plan, on_time, percent):
    assert on_time_percent(plan, on_time) == percent


def test_report_results_cover_the_plan_exactly():
    assert results_refusal(["p1", "p2"], ["p2", "p1"]) is None
    assert results_refusal(["p1"], ["p1", "p9"]) == ("results", "not in the plan: p9")
    assert results_refusal(["p1", "p2"], ["p1"]) == ("results", "no result for plan items p2")
    assert results_refusal(["p1"], ["p1", "p1"]) == ("results", "an item is reported twice")


PERFECT = ReportFacts(on_time_percent=100, all_limitations_remedied=True)


@pytest.mark.parametrize(
    "rating, report, disciplines, refused_because",
    [
        ("excellent", PERFECT, [], None),
        ("excellent", ReportFacts(90, True), [], "100% of tasks on time (report says 90%)"),
        ("excellent", ReportFacts(100, False), [], "every earlier limitation remedied"),
        ("good", ReportFacts(50, False), [], None),
        ("completed", None, [], "has not reported"),
        ("not_completed", None, [], None),
        ("good", PERFECT, [DisciplineFact("kl1", "warning", date(2026, 4, 1))], "discipline kl1 (warning, 2026-04-01)"),
        ("good", PERFECT, [DisciplineFact("kl0", "warning", date(2025, 12, 31))], None),  # last year's discipline
        ("not_completed", PERFECT, [DisciplineFact("kl1", "warning", date(2026, 4, 1))], None),
    ],
)
def test_rule_3_ratings(rating, report, disciplines, refused_because):
    refusal = rating_refusal(rating, 2026, report, disciplines)
    if refused_because is None:
        assert refusal is None
    else:
        assert refusal[0] == "rating" and refused_because in refusal[1]


def test_session_records_fit_their_month_and_their_cell():
    today, cell = date(2026, 5, 20), {"m1", "m2", "m3"}
    ok = dict(
        held_on=date(2026, 5, 5),
        month="2026-05",
        today=today,
        cell_members=cell,
        present=["m1", "m2"],
        absent=["m3"],
        named={"praised": ["m1"], "reminded": []},
    )
    assert session_refusal(**ok) is None
    assert session_refusal(**{**ok, "held_on": date(2026, 6, 1), "month": "2026-06"}) == (
        "held_on",
        "2026-06-01 is in the future",
    )
    assert session_refusal(**{**ok, "month": "2026-04"}) == ("held_on", "2026-05-05 is not in 2026-04")
    assert session_refusal(**{**ok, "absent": ["m2"]}) == ("absent", "also listed as present: m2")
    assert session_refusal(**{**ok, "named": {"praised": ["m9"], "reminded": []}}) == (
        "praised",
        "not members of this cell: m9",
    )


def test_rule_4_missing_regular_months_and_thematic_quarters():
    held = [
        ("2026-01", "regular"),
        ("2026-02", "regular"),
        ("2026-02", "thematic"),
        ("2026-04", "regular"),
        ("2026-05", "thematic"),
    ]
    missing_regular, missing_thematic = missing_sessions(held, 2026, through_month=7)
    assert missing_regular == ["2026-03", "2026-05", "2026-06", "2026-07"]
    assert missing_thematic == []  # Q1 and Q2 each had one; Q3 has not ended
    _, missing_thematic = missing_sessions(held, 2026, through_month=12)
    assert missing_thematic == ["2026-Q3", "2026-Q4"]
