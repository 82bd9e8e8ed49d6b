"""Who owes a yearly commitment: the exemption rule (DESIGN.md §5 rule 2), shared by every service that asks."""

from datetime import date, timedelta

PROBATION_DAYS = 183  # "admitted under 6 months"
EXEMPT_STATUSES = ("exempted", "suspended")


def is_exempt(status: str, admitted_on: date, year: int) -> bool:
    """Members admitted under 6 months before 1 January of `year`, exempted or suspended, owe no commitment."""
    return status in EXEMPT_STATUSES or admitted_on > date(year, 1, 1) - timedelta(days=PROBATION_DAYS)
