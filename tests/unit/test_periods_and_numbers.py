"""Periods are cut in Vietnamese local time; numbers are written the Vietnamese way."""

from datetime import UTC, date, datetime

import pytest

from neuguong.numbers import vi_number, vi_percent
from neuguong.periods import local_date, periods_of, previous_year_span, span_bounds, span_periods


def test_a_session_at_six_in_the_morning_of_1_june_is_a_june_session():
    held = datetime(2025, 5, 31, 23, 0, tzinfo=UTC)  # 06:00 on 1 June in Hà Nội
    assert local_date(held) == date(2025, 6, 1)
    assert periods_of(local_date(held)) == ["2025", "2025-H1", "2025-Q2", "2025-06"]


def test_new_year_in_vietnam_comes_before_new_year_in_utc():
    assert periods_of(local_date(datetime(2024, 12, 31, 17, 30, tzinfo=UTC)))[0] == "2025"


def test_second_half_and_last_quarter():
    assert periods_of(date(2025, 7, 1)) == ["2025", "2025-H2", "2025-Q3", "2025-07"]
    assert periods_of(date(2025, 12, 31))[2] == "2025-Q4"


def test_vietnamese_thousands_separator():
    assert vi_number(142597) == "142.597"
    assert vi_number(5_600_000) == "5.600.000"
    assert vi_number(999) == "999"


@pytest.mark.parametrize(
    "span, periods",
    [
        ("2026", ["2026"]),
        ("2025..2026", ["2025", "2026"]),
        ("2024-H2..2025-H1", ["2024-H2", "2025-H1"]),
        ("2025-Q4..2026-Q2", ["2025-Q4", "2026-Q1", "2026-Q2"]),
        ("2025-11..2026-02", ["2025-11", "2025-12", "2026-01", "2026-02"]),
        ("2026-05..2026-05", ["2026-05"]),
    ],
)
def test_a_span_is_every_period_of_its_kind_from_first_to_last(span, periods):
    assert span_periods(span) == periods


def test_a_span_has_the_bounds_of_its_ends_and_compares_its_last_period_with_a_year_before():
    assert span_bounds("2024-H2..2025-H1") == (date(2024, 7, 1), date(2025, 6, 30))
    assert previous_year_span("2025..2026") == "2025"
    assert previous_year_span("2024-H2..2025-H1") == "2024-H1"
    assert previous_year_span("2026-03") == "2025-03"


@pytest.mark.parametrize(
    "span, reason",
    [
        ("2026..2025", "run forward"),
        ("2025..2026-H1", "one kind"),
        ("2025-05..2025-Q3", "one kind"),
        ("2000-01..2100-12", "at most 240"),
    ],
)
def test_a_span_that_is_not_a_forward_range_of_one_kind_is_refused_with_its_reason(span, reason):
    with pytest.raises(ValueError, match=reason):
        span_periods(span)


@pytest.mark.parametrize(
    "part, whole, text",
    [(874, 1000, "87,4 %"), (2, 3, "66,7 %"), (1, 8, "12,5 %"), (5, 5, "100,0 %"), (0, 7, "0,0 %"), (3, 0, "–")],
)
def test_shares_are_written_the_vietnamese_way_rounded_half_up(part, whole, text):
    assert vi_percent(part, whole) == text


def test_a_share_above_a_thousand_per_cent_keeps_the_vietnamese_thousands_dot():
    assert vi_percent(123, 10) == "1.230,0 %"
