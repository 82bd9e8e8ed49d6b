"""Periods are cut in Vietnamese local time; numbers are written the Vietnamese way."""

from datetime import UTC, date, datetime

from neuguong.periods import local_date, periods_of
from neuguong.progress import vi_number


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
