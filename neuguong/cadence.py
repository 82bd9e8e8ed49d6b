"""Rule 5, the cadence of the honor roll, for every service that asks (DESIGN.md §5).

Cadence of each level's roll (district and province are this system's decision):

- cell (rural and agency cells alike): by month — the monthly cell session names the month's examples;
- grassroots committee: by half-year and by year — its six-month and year-end reviews;
- district (the former district-level committees): by half-year and by year, like grassroots;
- province: by year — the province honors once a year, at its year-end review.
"""

from datetime import date

from neuguong.periods import PeriodKind, period_bounds, period_kind

DISTRICT_LEVEL_CEASED_ON = date(2025, 7, 1)
"""The reorganisation of 2025 abolished the district level: it keeps no roll for a period from then on."""

HONOR_ROLL_CADENCE: dict[str, tuple[PeriodKind, ...]] = {
    "cell": ("month",),
    "grassroots": ("half-year", "year"),
    "district": ("half-year", "year"),
    "province": ("year",),
}


def roll_period_kinds(level: str) -> tuple[PeriodKind, ...]:
    """The kinds of period the roll of a unit at `level` is kept by."""
    return HONOR_ROLL_CADENCE[level]


def level_existed(level: str, period: str) -> bool:
    """False for the district level and a period that begins after it ceased (2025-07-01)."""
    return level != "district" or period_bounds(period)[0] < DISTRICT_LEVEL_CEASED_ON


def levels_recording(period: str) -> list[str]:
    """The levels whose rolls owe an entry for `period` (a quarter is nobody's cadence; the district
    level owes nothing after it ceased)."""
    kind = period_kind(period)
    return [level for level, kinds in HONOR_ROLL_CADENCE.items() if kind in kinds and level_existed(level, period)]
