"""Reporting periods, cut in Vietnamese local time (Asia/Ho_Chi_Minh), never in UTC."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


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
