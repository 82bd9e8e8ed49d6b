"""Reporting periods, cut in Vietnamese local time (Asia/Ho_Chi_Minh), never in UTC."""

import calendar
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


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of the period, both included."""
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
