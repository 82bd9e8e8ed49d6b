"""Pure decisions of the projections: which figures an event moves, in which periods."""

import functools
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
    return list(_month_periods(month))


@functools.lru_cache(maxsize=4096)
def _month_periods(month: str) -> tuple[str, ...]:
    return tuple(periods_of(date(int(month[:4]), int(month[5:7]), 1)))


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


def honor_figures(level: str, subject_kind: str) -> list[str]:
    """Figures an honor on the roll counts in: all honors, honors of its level, of individuals or collectives."""
    return ["honors", f"honors_{level}", f"honors_of_{subject_kind}s"]


def revocation_cause(inspection_id: str | None, discipline_id: str | None) -> str:
    """Why an honor was revoked: a violation found by an inspection, a discipline, or an operator's decision."""
    if inspection_id:
        return "violation"
    return "discipline" if discipline_id else "operator"


def revocation_figures(cause: str) -> list[str]:
    """Figures a revocation counts in: all revoked honors and those of its cause."""
    return ["honors_revoked", f"honors_revoked_{cause}"]


def publicity_kind(event_type: str) -> str:
    """What an acknowledged delivery did: published an honor or retracted it."""
    return "retracted" if event_type == "PublicityRetracted" else "published"


def publicity_figures(kind: str, channel_kind: str | None, deliveries: int, honors: int) -> dict[str, int]:
    """Deliveries ("lượt") and distinct honors published or retracted, on one channel kind or (None) on all."""
    channel = f"_{channel_kind}" if channel_kind else ""
    return {f"publicity_{kind}{channel}": deliveries, f"honors_{kind}{channel}": honors}


def inspection_figures(kind: str, target_kind: str) -> list[str]:
    """An opened inspection or supervision, of a member or of an organisation."""
    return [f"{kind}s_opened", f"{kind}s_of_{target_kind}s"]


def conclusion_figures(kind: str, conclusion: str) -> list[str]:
    """A concluded inspection or supervision and its conclusion."""
    return [f"{kind}s_concluded", f"conclusions_{conclusion}", f"{kind}_conclusions_{conclusion}"]


def discipline_figures(measure: str) -> list[str]:
    """A discipline and its measure."""
    return ["disciplines", f"disciplines_{measure}"]


def quarter_months(quarter: str) -> list[str]:
    """The three months of `2026-Q2`."""
    year, q = quarter[:4], int(quarter[-1])
    return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


ACTS = ("filed", "self_reviewed", "reported", "rated")
SHARES: dict[str, tuple[str, str]] = {
    **{
        f"{act}{who}": (f"member_years_{act}{who}", f"owing_member_years{who}")
        for act in ACTS
        for who in ("", "_leaders", "_heads")
    },
    "cells_every_regular": ("cells_every_regular", "cells"),
    "attendance": ("attendance_present", "attendance_expected"),
}
"""Each share: (part, whole). Commitment shares count a member once a year, of those who owed that year."""


def span_years(first: date, last: date) -> list[int]:
    """The calendar years wholly inside [first, last]: those whose commitments a span reports."""
    return [y for y in range(first.year, last.year + 1) if date(y, 1, 1) >= first and date(y, 12, 31) <= last]


def span_months(first: date, last: date) -> list[str]:
    """Every month of [first, last], `2026-05` style."""
    return [
        f"{y}-{m:02d}" for y in range(first.year, last.year + 1) for m in range(1, 13) if first <= date(y, m, 1) <= last
    ]


ACT_COLUMNS = (
    "members",
    "members_leaders",
    "members_heads",
    "member_years",
    "member_years_leaders",
    "member_years_heads",
)


def fact_figures(facts: dict) -> dict[str, int]:
    """A group's figures over a span from its rows of facts.select_span_facts: the counters as they are, and the
    distinct counts and denominators that are not zero, as named figures."""
    figures: dict[str, int] = {}
    for row in facts["acts"]:
        for column in ACT_COLUMNS:
            base, who = ("members", column[7:]) if column.startswith("members") else ("member_years", column[12:])
            figures[f"{base}_{row['act']}{who}"] = row[column]
    for row in facts["checked"]:
        verb = "inspected" if row["kind"] == "inspection" else "supervised"
        figures[f"{row['target_kind']}s_{verb}"] = row["targets"]
    for row in facts["checks_by_level"]:
        figures[f"{row['kind']}s_by_{row['level']}"] = row["checks"]
    for row in facts["disciplines"]:
        origin = f"disciplines_after_{row['origin']}"
        figures[origin] = figures.get(origin, 0) + row["disciplines"]
        figures[f"{origin}_{row['measure']}"] = row["disciplines"]
    for row in facts["honored"]:
        figures[f"honored_{row['subject_kind']}s"] = row["subjects"]
    for row in facts["publicity"]:
        figures.update(publicity_figures(row["kind"], row["channel_kind"], row["deliveries"], row["honors"]))
    for row in facts["totals"]:
        figures.update({name: value for name, value in row.items() if name != "key"})
    counters = {row["figure"]: row["value"] for row in facts["counters"]}
    return {**counters, **{name: value for name, value in figures.items() if value}}
