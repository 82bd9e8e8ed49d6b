"""Pure rules of publicity: which channels an honor goes to, when to retry, when a channel pauses."""

import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime

from neuguong.periods import LOCAL_TZ
from neuguong.runtime.errors import Refusal

LEVELS = ("cell", "grassroots", "district", "province")
"""Honor levels from the lowest to the highest."""

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
CHANGEABLE = ("name", "url", "min_level", "enabled", "secret")
"""What a channel change may change (previous_secret_valid_hours only qualifies a new secret)."""
DEFAULT_GRACE_HOURS = 24
"""How long a replaced secret still signs when the change does not say."""


def levels_from(min_level: str) -> list[str]:
    """The levels at or above `min_level`."""
    return list(LEVELS[LEVELS.index(min_level) :])


def channel_follows(channel_unit_id: str, channel_min_level: str, honor_unit_path: list[str], honor_level: str) -> bool:
    """A channel follows an honor recorded in its unit's subtree at or above its minimum level."""
    return channel_unit_id in honor_unit_path and LEVELS.index(honor_level) >= LEVELS.index(channel_min_level)


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt came to."""

    status: int | None  # None: no answer (connection refused, timeout)
    error: str
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        """2xx."""
        return self.status is not None and 200 <= self.status < 300

    def settles(self, kind: str) -> bool:
        """Done for good: 2xx, or a retraction of something the receiver does not have (404, 410)."""
        return self.succeeded or (kind == "retract" and self.status in (404, 410))

    @property
    def retryable(self) -> bool:
        """Worth trying again: no answer, or a status that says "later" (never a 3xx: redirects are not
        followed, and the same URL would answer the same)."""
        return self.status is None or self.status in RETRYABLE_STATUSES


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return (rng or random).uniform(0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_delay(
    attempt: int, outcome: Outcome, base: float, cap: float, retry_after_cap: float, rng: random.Random | None = None
) -> float:
    """When to try again: the jittered backoff, but never before the receiver's Retry-After."""
    delay = backoff_seconds(attempt, base, cap, rng)
    if outcome.retry_after is not None:
        delay = max(delay, min(outcome.retry_after, retry_after_cap))
    return delay


def next_step(attempt: int, max_attempts: int, outcome: Outcome, kind: str) -> str:
    """'settle' (done), 'retry' or 'dead' after an attempt."""
    if outcome.settles(kind):
        return "settle"
    if outcome.retryable and attempt < max_attempts:
        return "retry"
    return "dead"


def breaker_trips(consecutive_failures: int, threshold: int) -> bool:
    """A channel pauses once it failed `threshold` times in a row (and again after each failed probe)."""
    return consecutive_failures >= threshold


def breaker_state(consecutive_failures: int, threshold: int, paused_until: datetime | None, now: datetime) -> str:
    """'closed', 'open' (paused) or 'half_open' (the pause is over; the next request is a probe)."""
    if consecutive_failures < threshold:
        return "closed"
    if paused_until is not None and paused_until > now:
        return "open"
    return "half_open"


def selected_levels(level: str | None, min_level: str | None) -> list[str]:
    """Levels a feed or page shows: one exact level, those at or above a minimum, or all."""
    if level is not None:
        return [level] if min_level is None or level in levels_from(min_level) else []
    return levels_from(min_level or LEVELS[0])


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match against our ETag (weak comparison, as RFC 9110 wants for GET)."""
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in [t.removeprefix("W/") for t in tags]


def https_refusal(environment: str, scheme: str) -> Refusal:
    """A channel's URL must be https in production: the body names people."""
    if environment == "production" and scheme != "https":
        return "url", "must be https in production (the body names people)"
    return None


def change_refusal(given: Collection[str]) -> Refusal:
    """A channel change must change something, and a secret's window only comes with a new secret."""
    if not set(given) & set(CHANGEABLE):
        return "body", f"changes nothing: give at least one of {', '.join(CHANGEABLE)}"
    if "previous_secret_valid_hours" in given and "secret" not in given:
        return "previous_secret_valid_hours", "only applies together with a new secret"
    return None


def previous_secret_valid_until(now: datetime, hours: int | None) -> datetime | None:
    """Until when a replaced secret still signs (default 24 hours); None when it is dropped at once."""
    hours = DEFAULT_GRACE_HOURS if hours is None else hours
    return now + timedelta(hours=hours) if hours > 0 else None


def still_open(until: datetime | None, now: datetime) -> datetime | None:
    """`until` while it lies ahead of `now`, else None (a window that ended is not shown)."""
    return until if until is not None and until > now else None


def start_of_local_day(day: date) -> datetime:
    """Midnight in Việt Nam at the start of `day` (a backfill's first moment)."""
    return datetime.combine(day, time(), tzinfo=LOCAL_TZ)
