"""Pure rules of publicity: matching, backoff with jitter, Retry-After, retry steps, breaker, ETags."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.notifications import logic
from services.notifications.logic import Outcome
from services.notifications.signature import sign, signed_headers, verify

PATH = ["lc", "lc-x1", "lc-x1-c1"]


@pytest.mark.parametrize(
    "unit, min_level, level, follows",
    [
        ("lc", "cell", "cell", True),
        ("lc-x1", "cell", "cell", True),
        ("lc-x1-c1", "cell", "cell", True),
        ("lc-x2", "cell", "cell", False),
        ("lc", "grassroots", "cell", False),
        ("lc", "grassroots", "province", True),
        ("lc", "province", "district", False),
        ("lc-x1-c1", "cell", "grassroots", True),
    ],
)
def test_a_channel_follows_its_subtree_at_or_above_its_minimum_level(unit, min_level, level, follows):
    assert logic.channel_follows(unit, min_level, PATH, level) is follows


def test_backoff_is_full_jitter_under_an_exponential_ceiling():
    rng = random.Random(7)
    for attempt, ceiling in ((1, 2.0), (2, 4.0), (3, 8.0), (10, 100.0)):
        values = [logic.backoff_seconds(attempt, 2.0, 100.0, rng) for _ in range(300)]
        assert all(0 <= v <= ceiling for v in values)
        assert max(values) > 0.8 * ceiling and min(values) < 0.2 * ceiling  # spread over the whole range


def test_retry_after_in_seconds_or_as_an_http_date():
    now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert logic.parse_retry_after("7") == 7.0
    assert logic.parse_retry_after("Sun, 01 Mar 2026 08:00:30 GMT", now) == 30.0
    assert logic.parse_retry_after("Sun, 01 Mar 2026 07:00:00 GMT", now) == 0.0
    assert logic.parse_retry_after("soon") is None and logic.parse_retry_after(None) is None


def test_retry_after_is_honoured_but_capped():
    outcome = Outcome(429, "HTTP 429", retry_after=30.0)
    assert logic.retry_delay(1, outcome, 0.1, 1.0, 3600.0) == 30.0
    assert logic.retry_delay(1, Outcome(429, "", retry_after=99999.0), 0.1, 1.0, 60.0) == 60.0
    assert logic.retry_delay(1, Outcome(503, ""), 0.1, 1.0, 60.0) <= 0.1


@pytest.mark.parametrize(
    "attempt, outcome, kind, step",
    [
        (1, Outcome(200, ""), "publish", "settle"),
        (1, Outcome(204, ""), "retract", "settle"),
        (1, Outcome(410, ""), "retract", "settle"),
        (1, Outcome(404, ""), "publish", "dead"),
        (1, Outcome(None, "timeout"), "publish", "retry"),
        (3, Outcome(500, ""), "publish", "retry"),
        (4, Outcome(500, ""), "publish", "dead"),
        (1, Outcome(429, ""), "publish", "retry"),
        (1, Outcome(400, ""), "publish", "dead"),
        (1, Outcome(401, ""), "retract", "dead"),
    ],
)
def test_what_an_attempt_leads_to(attempt, outcome, kind, step):
    assert logic.next_step(attempt, 4, outcome, kind) == step


def test_the_breaker_opens_after_the_threshold_and_half_opens_after_the_pause():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert logic.breaker_state(4, 5, None, now) == "closed" and not logic.breaker_trips(4, 5)
    assert logic.breaker_trips(5, 5) and logic.breaker_trips(6, 5)
    assert logic.breaker_state(5, 5, now + timedelta(seconds=1), now) == "open"
    assert logic.breaker_state(5, 5, now - timedelta(seconds=1), now) == "half_open"


def test_levels_a_feed_selects():
    assert logic.selected_levels(None, None) == ["cell", "grassroots", "district", "province"]
    assert logic.selected_levels(None, "district") == ["district", "province"]
    assert logic.selected_levels("cell", None) == ["cell"]
    assert logic.selected_levels("cell", "district") == []


def test_if_none_match():
    assert logic.etag_matches('"abc"', '"abc"') and logic.etag_matches('W/"abc", "x"', '"abc"')
    assert logic.etag_matches("*", '"abc"') and not logic.etag_matches('"abd"', '"abc"')
    assert not logic.etag_matches(None, '"abc"')


def test_a_signature_covers_timestamp_and_body():
    body = '{"tên":"Giàng Thị Mỷ"}'.encode()
    headers = signed_headers(["s3cret-s3cret-s3cret"], "d-1", body, now=1_700_000_000)
    assert headers["Idempotency-Key"] == "d-1"
    assert headers["X-NeuGuong-Signature"] == sign("s3cret-s3cret-s3cret", 1_700_000_000, body)
    assert verify("s3cret-s3cret-s3cret", headers, body, now=1_700_000_100)
    assert not verify("another-secret-xx", headers, body, now=1_700_000_100)
    assert not verify("s3cret-s3cret-s3cret", headers, body + b" ", now=1_700_000_100)
    assert not verify("s3cret-s3cret-s3cret", headers, body, now=1_700_001_000)  # replayed too late
    assert not verify("s3cret-s3cret-s3cret", {}, body)


def test_during_a_rotation_either_secret_verifies():
    body = '{"tên":"Giàng Thị Mỷ"}'.encode()
    headers = signed_headers(["moi-moi-moi-moi-moi", "cu-cu-cu-cu-cu-cu"], "d-1", body, now=1_700_000_000)
    assert headers["X-NeuGuong-Signature"] == ",".join(
        [sign("moi-moi-moi-moi-moi", 1_700_000_000, body), sign("cu-cu-cu-cu-cu-cu", 1_700_000_000, body)]
    )
    assert verify("moi-moi-moi-moi-moi", headers, body, now=1_700_000_001)
    assert verify("cu-cu-cu-cu-cu-cu", headers, body, now=1_700_000_001)
    assert not verify("khac-khac-khac-khac", headers, body, now=1_700_000_001)
    with pytest.raises(ValueError, match="secrets"):
        signed_headers("moi-moi-moi-moi-moi", "d-1", body)  # one string is not a list of secrets
