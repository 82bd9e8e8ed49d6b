"""Reporting periods, cut in Vietnamese local time (Asia/Ho_Chi_Minh), never in UTC."""

import calendar
import functools
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PeriodKind = Literal["month", "quarter", "half-year", "year"]


def local_date(moment: datetime) -> date:
    """The calendar date in Việt Nam at `moment` (which must be timezone-aware)."""
    return moment.astimezone(LOCAL_TZ).date()


def today_local() -> date:
    """Today's date in Việt Nam."""
    return datetime.now(LOCAL_TZ).date()


def periods_of(day: date) -> list[str]:
    """Every period a local date belongs to: year, half, quarter and month."""
    half = 1 if day.month <= 6 else 2
    quarter = (day.month - 1) // 3 + 1
    return [f"{day.year}", f"{day.year}-H{half}", f"{day.year}-Q{quarter}", f"{day.year}-{day.month:02d}"]


def period_kind(period: str) -> PeriodKind:
    """What kind of period a well-formed period string names."""
    if len(period) == 4:
        return "year"
    return {"H": "half-year", "Q": "quarter"}.get(period[5], "month")  # type: ignore[return-value]


@functools.lru_cache(maxsize=4096)
def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of the period, both included (remembered: a projection asks it for every event)."""
    year, kind = int(period[:4]), period_kind(period)
    if kind == "year":
        first, last = 1, 12
    elif kind == "month":
        first = last = int(period[5:])
    else:
        span = 6 if kind == "half-year" else 3
        last = span * int(period[6])
        first = last - span + 1
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def overlaps(a: str, b: str) -> bool:
    """True when the two periods share at least one day."""
    (a_start, a_end), (b_start, b_end) = period_bounds(a), period_bounds(b)
    return a_start <= b_end and b_start <= a_end


def year_before(day: date) -> date:
    """The same calendar day a year earlier (29 February → 28 February)."""
    return date(day.year - 1, day.month, min(day.day, calendar.monthrange(day.year - 1, day.month)[1]))


SPAN_SEPARATOR = ".."
MAX_SPAN_PERIODS = 240
"""Twenty years of months: past any campaign phase a report covers."""


def shift_years(period: str, years: int) -> str:
    """The same period `years` later (or earlier, when negative): 2026-H1, -1 → 2025-H1."""
    return f"{int(period[:4]) + years}{period[4:]}"


def _successor(period: str) -> str:
    year, kind = int(period[:4]), period_kind(period)
    if kind == "year":
        return str(year + 1)
    if kind == "month":
        month = int(period[5:])
        return f"{year + month // 12}-{month % 12 + 1:02d}"
    letter, count = period[5], 2 if kind == "half-year" else 4
    part = int(period[6])
    return f"{year + part // count}-{letter}{part % count + 1}"


def span_periods(span: str) -> list[str]:
    """The periods of a period (itself) or of a closed range of periods of one kind (`2025..2026`,
    `2024-H2..2025-H1`), in order; ValueError naming what is wrong with the range."""
    first, separator, last = span.partition(SPAN_SEPARATOR)
    if not separator:
        return [span]
    if period_kind(first) != period_kind(last) or len(first) != len(last):
        raise ValueError("both ends of a range must be periods of one kind (2025..2026, 2024-H2..2025-H1)")
    if period_bounds(first)[0] > period_bounds(last)[0]:
        raise ValueError("a range must run forward: its first period may not come after its last")
    periods = [first]
    while periods[-1] != last:
        if len(periods) >= MAX_SPAN_PERIODS:
            raise ValueError(f"a range may hold at most {MAX_SPAN_PERIODS} periods")
        periods.append(_successor(periods[-1]))
    return periods


def span_bounds(span: str) -> tuple[date, date]:
    """First and last day of a period or range of periods, both included."""
    periods = span_periods(span)
    return period_bounds(periods[0])[0], period_bounds(periods[-1])[1]


def previous_year_span(span: str) -> str:
    """The year-on-year comparison of a span: its last period a year earlier (2025..2026 → 2025)."""
    return shift_years(span_periods(span)[-1], -1)
