"""The clock a command, query or worker reads: passed in, never reached for, so date rules are testable."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from neuguong.periods import local_date


class Clock(Protocol):
    """Now (UTC) and today (the calendar day in Việt Nam)."""

    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...

    def today(self) -> date:
        """The current calendar day in Asia/Ho_Chi_Minh."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """The current moment in UTC."""
        return datetime.now(UTC)

    def today(self) -> date:
        """Today in Việt Nam."""
        return local_date(self.now())


@dataclass
class FixedClock:
    """A clock that stands still until moved (tests, replays)."""

    moment: datetime

    def __post_init__(self) -> None:
        if self.moment.tzinfo is None:
            raise ValueError("moment: a FixedClock needs a timezone-aware moment")

    def now(self) -> datetime:
        """The moment it is set to."""
        return self.moment

    def today(self) -> date:
        """The calendar day in Việt Nam at that moment."""
        return local_date(self.moment)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self.moment += delta
