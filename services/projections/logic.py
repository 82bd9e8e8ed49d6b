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


def rating_figures(rating: str, is_leader: bool) -> list[str]:
    """The rating distribution figures of one rating."""
    return [f"rating_{rating}"] + ([f"rating_{rating}_leaders"] if is_leader else [])


def month_periods(month: str) -> list[str]:
    """Every period a month belongs to: year, half, quarter and the month itself."""
    return periods_of(date(int(month[:4]), int(month[5:7]), 1))


def session_figure(kind: str) -> str:
    """The figure a session counts in."""
    return f"sessions_{kind}"
