"""Pure rules of channels: what a change must give, https in production, the secret rotation window (counted
from the moment given, over the year change in Việt Nam), and where a backfill's first day starts."""

from datetime import UTC, date, datetime, timedelta

import pytest

from services.notifications import logic

MOMENT = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 in Việt Nam


@pytest.mark.parametrize(
    "given, refusal",
    [
        (set(), "body"),
        ({"previous_secret_valid_hours"}, "body"),
        ({"name", "previous_secret_valid_hours"}, "previous_secret_valid_hours"),
        ({"secret", "previous_secret_valid_hours"}, None),
        ({"enabled"}, None),
        ({"url", "min_level"}, None),
    ],
)
def test_a_change_changes_something_and_a_window_needs_a_secret(given, refusal):
    answer = logic.change_refusal(given)
    assert (answer and answer[0]) == refusal


@pytest.mark.parametrize(
    "environment, scheme, refused",
    [
        ("production", "http", True),
        ("production", "https", False),
        ("test", "http", False),
        ("development", "http", False),
    ],
)
def test_production_channels_are_https(environment, scheme, refused):
    assert (logic.https_refusal(environment, scheme) is not None) is refused


def test_a_replaced_secret_signs_for_24_hours_unless_told_otherwise():
    assert logic.previous_secret_valid_until(MOMENT, None) == MOMENT + timedelta(hours=24)
    assert logic.previous_secret_valid_until(MOMENT, 1) == datetime(2026, 12, 31, 18, 30, tzinfo=UTC)
    assert logic.previous_secret_valid_until(MOMENT, 168) == MOMENT + timedelta(days=7)
    assert logic.previous_secret_valid_until(MOMENT, 0) is None  # a leaked secret goes at once


def test_a_window_is_shown_only_while_it_lies_ahead():
    until = MOMENT + timedelta(hours=1)
    assert logic.still_open(until, MOMENT) == until
    assert logic.still_open(until, until) is None
    assert logic.still_open(None, MOMENT) is None


def test_a_backfill_day_starts_at_midnight_in_viet_nam():
    assert logic.start_of_local_day(date(2027, 1, 1)) == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert logic.start_of_local_day(date(2026, 4, 1)) == datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
