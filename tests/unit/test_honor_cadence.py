"""Rule 5 and the roll's other pure rules: periods, cadence per level, subjects, levels, nominations."""

from datetime import date

import pytest

from neuguong.cadence import roll_period_kinds as allowed_period_kinds
from neuguong.periods import overlaps, period_bounds, period_kind, year_before
from services.honors.commands import RecordHonor
from services.honors.logic import (
    cadence_refusal,
    level_refusal,
    receiving_unit,
    subject_refusal,
)

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    "period, kind, bounds",
    [
        ("2026", "year", (date(2026, 1, 1), date(2026, 12, 31))),
        ("2026-H1", "half-year", (date(2026, 1, 1), date(2026, 6, 30))),
        ("2026-H2", "half-year", (date(2026, 7, 1), date(2026, 12, 31))),
        ("2026-Q1", "quarter", (date(2026, 1, 1), date(2026, 3, 31))),
        ("2026-Q4", "quarter", (date(2026, 10, 1), date(2026, 12, 31))),
        ("2024-02", "month", (date(2024, 2, 1), date(2024, 2, 29))),
        ("2026-12", "month", (date(2026, 12, 1), date(2026, 12, 31))),
    ],
)
def test_periods_as_day_ranges(period, kind, bounds):
    assert period_kind(period) == kind
    assert period_bounds(period) == bounds


def test_overlaps_and_year_before():
    assert overlaps("2026", "2026-05") and overlaps("2026-Q2", "2026-H1") and not overlaps("2026-Q3", "2026-H1")
    assert year_before(date(2024, 2, 29)) == date(2023, 2, 28)
    assert year_before(date(2026, 4, 10)) == date(2025, 4, 10)


@pytest.mark.parametrize(
    "level, period",
    [
        ("cell", "2026-05"),
        ("grassroots", "2026-H1"),
        ("grassroots", "2026"),
        ("district", "2026-H2"),
        ("district", "2026"),
        ("province", "2026"),
    ],
)
def test_periods_that_fit_the_roll(level, period):
    assert cadence_refusal(level, period, TODAY) is None


@pytest.mark.parametrize(
    "level, period, allowed",
    [
        ("cell", "2026", ("month",)),
        ("cell", "2026-Q2", ("month",)),
        ("cell", "2026-H1", ("month",)),
        ("grassroots", "2026-05", ("half-year", "year")),
        ("grassroots", "2026-Q2", ("half-year", "year")),
        ("district", "2026-05", ("half-year", "year")),
        ("province", "2026-H1", ("year",)),
        ("province", "2026-05", ("year",)),
    ],
)
def test_periods_that_do_not_fit_name_the_allowed_kinds(level, period, allowed):
    field, reason = cadence_refusal(level, period, TODAY)
    assert field == "period" and allowed_period_kinds(level) == allowed
    assert f"the {level} honor roll is kept by" in reason
    assert all(kind in reason for kind in allowed)


def test_a_period_that_has_not_begun_is_refused():
    assert cadence_refusal("cell", "2026-12", TODAY) == ("period", "2026-12 has not begun yet")
    assert cadence_refusal("cell", "2026-11", TODAY) is None  # the running month is fine


def test_subjects_must_lie_under_the_roll():
    path = ["lc", "lc-x1", "lc-x1-c01"]
    assert subject_refusal("member", path, "lc-x1-c01") is None
    assert subject_refusal("member", path, "lc") is None
    assert subject_refusal("member", path, "lc-x2")[0] == "subject.id"
    assert subject_refusal("unit", path, "lc-x1") is None
    assert "cannot honor itself" in subject_refusal("unit", path, "lc-x1-c01")[1]


def test_the_recording_unit_fixes_the_level():
    assert level_refusal(None, "cell", "c1") is None
    assert level_refusal("cell", "cell", "c1") is None
    assert level_refusal("province", "cell", "c1") == ("level", "c1 keeps a cell-level roll, not a province-level one")


def test_nominations_go_to_the_unit_directly_above():
    assert receiving_unit(["lc", "lc-x1", "lc-x1-c01"]) == "lc-x1"
    assert receiving_unit(["lc", "lc-x1"]) == "lc"
    assert receiving_unit(["lc"]) is None


def honor_body(**changes):
    body = {
        "subject": {"kind": "member", "id": "m1"},
        "period": "2026-05",
        "deed": "Hiến 200 m² đất làm đường",
        "proposed_by": "Chi ủy",
        "approved_by": "Bí thư chi bộ",
        **changes,
    }
    return RecordHonor.model_validate(body)


@pytest.mark.parametrize(
    "link", ["https://laocai.gov.vn/tin/123", "http://example.vn/a?b=c", "https://lào-cai.vn/tin", "http://[::1]:8/x"]
)
def test_evidence_links_are_http_urls(link):
    assert honor_body(evidence=[link]).evidence == [link]


@pytest.mark.parametrize(
    "link", ["ftp://example.vn/x", "javascript:alert(1)", "laocai.gov.vn/tin", "https://", "https://<b>.vn/"]
)
def test_other_evidence_is_refused(link):
    with pytest.raises(ValueError, match="http"):
        honor_body(evidence=[link])


@pytest.mark.parametrize("link", ["https://exa mple.vn", "https://\x00laocai.gov.vn/", "https://laocai.gov.vn/\x7f"])
def test_evidence_with_spaces_or_control_characters_is_refused(link):
    with pytest.raises(ValueError, match="control characters"):
        honor_body(evidence=[link])


def test_decomposed_vietnamese_is_refused():
    import unicodedata

    with pytest.raises(ValueError, match="NFC"):
        honor_body(deed=unicodedata.normalize("NFD", "Giúp đỡ hộ nghèo"))
