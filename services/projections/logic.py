"""Pure decisions of the projections: which figures an event moves, in which periods."""

from datetime import date

from neuguong.periods import periods_of
from schemas import CommitmentFiled
from schemas.commitments import CommitmentReported


def leadership_split(name: str, is_leader: bool, is_head: bool) -> list[str]:
    """A figure and its leaders / heads variants ("trên trước, dưới sau")."""
    figures = [name]
    if is_leader:
        figures.append(f"{name}_leaders")
    if is_head:
        figures.append(f"{name}_heads")
    return figures


def commitment_figures(event: CommitmentFiled) -> list[str]:
    """Figures a filed commitment adds one to."""
    return leadership_split("commitments_filed", event.is_leader, event.is_head)


def report_figures(event: CommitmentReported) -> list[str]:
    """Figures a year-end report adds one to."""
    return leadership_split("commitment_reports", event.is_leader, event.is_head)


def rating_figures(rating: str, is_leader: bool, is_head: bool) -> list[str]:
    """The rating distribution figures of one rating, leaders and heads apart."""
    return leadership_split(f"rating_{rating}", is_leader, is_head)


def month_periods(month: str) -> list[str]:
    """Every period a month belongs to: year, half, quarter and the month itself."""
    return periods_of(date(int(month[:4]), int(month[5:7]), 1))


def covering_periods(period: str) -> list[str]:
    """The period itself and every longer period containing it (2026-05 → 2026, 2026-H1, 2026-Q2, 2026-05)."""
    year, _, part = period.partition("-")
    if not part:
        return [year]
    if part.startswith("H"):
        return [year, period]
    if part.startswith("Q"):
        return [year, f"{year}-H{1 if int(part[1]) <= 2 else 2}", period]
    return month_periods(period)


def session_figure(kind: str) -> str:
    """The figure a session counts in."""
    return f"sessions_{kind}"


def honor_figures(level: str) -> list[str]:
    """Figures an honor on the roll counts in: all honors, and honors of its level."""
    return ["honors", f"honors_{level}"]


def inspection_figures(kind: str, target_kind: str) -> list[str]:
    """An opened inspection or supervision, of a member or of an organisation."""
    return [f"{kind}s_opened", f"{kind}s_of_{target_kind}s"]


def conclusion_figures(kind: str, conclusion: str) -> list[str]:
    """A concluded inspection or supervision and its conclusion."""
    return [f"{kind}s_concluded", f"conclusions_{conclusion}"]


def discipline_figures(measure: str) -> list[str]:
    """A discipline and its measure."""
    return ["disciplines", f"disciplines_{measure}"]


def cadence_levels(period: str) -> list[str]:
    """Rule 5 (as services/honors applies it): cells record by month, grassroots and district committees
    by half-year and year, the province by year."""
    part = period.partition("-")[2]
    if not part:
        return ["grassroots", "district", "province"]
    if part.startswith("H"):
        return ["grassroots", "district"]
    if part.startswith("Q"):
        return []
    return ["cell"]


def quarter_months(quarter: str) -> list[str]:
    """The three months of `2026-Q2`."""
    year, q = quarter[:4], int(quarter[-1])
    return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
