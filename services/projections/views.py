"""How figures and compliance lists are shown in HTTP answers."""

from collections.abc import Mapping, Sequence
from typing import Literal

import asyncpg
from pydantic import ConfigDict, Field

from neuguong.numbers import share, vi_percent
from neuguong.periods import span_periods
from neuguong.runtime.answers import AnswerModel
from services.projections.logic import SHARES
from services.projections.reconcile import reconcile


def shares_view(figures: Mapping[str, int]) -> dict[str, dict]:
    """Every share of the figures: part, whole, per cent (one decimal) and as Vietnamese readers write it."""
    shares = {}
    for name, (part, whole) in SHARES.items():
        value = share(figures.get(part, 0), figures.get(whole, 0))
        shares[name] = {
            "part": figures.get(part, 0),
            "whole": figures.get(whole, 0),
            "percent": float(value) if value is not None else None,
            "text": vi_percent(figures.get(part, 0), figures.get(whole, 0)),
        }
    return shares


def unit_figures_view(
    unit: Mapping,
    span: str,
    structure: str,
    merged: list[str],
    figures: dict[str, int],
    compared: dict[str, dict[str, int]],
    children: list[dict],
    honored_then_found: Sequence[asyncpg.Record],
    topics: Sequence[Mapping] = (),
) -> dict:
    """A unit's figures over its subtree for a span; its last period (`latest`) beside the same period a year
    before (`previous`); each child's for drill-down; and what does not add up."""
    return {
        "unit_id": unit["unit_id"],
        "name": unit["name"],
        "level": unit["level"],
        "period": span,
        "periods": span_periods(span),
        "structure": structure,
        "merged_units": merged,
        "figures": figures,
        "shares": shares_view(figures),
        **{
            key: {"period": period, "figures": values, "shares": shares_view(values)}
            for key, (period, values) in zip(("latest", "previous"), compared.items(), strict=True)
        },
        "children": children,
        "reconciliation": reconcile(figures, children, [dict(r) for r in honored_then_found]),
        "topics": [dict(topic) for topic in topics],
    }


def page(rows: Sequence[asyncpg.Record], offset: int, limit: int, **head: object) -> dict:
    """A page of a list, with the list's total and the next offset."""
    total = rows[0]["total"] if rows else 0
    items = [{k: v for k, v in dict(r).items() if k != "total"} for r in rows]
    return {**head, "total": total, "items": items, "next": offset + limit if offset + limit < total else None}


class ChildFigures(AnswerModel):
    """A child unit's figures, for drill-down."""

    unit_id: str
    name: str
    level: str
    figures: dict[str, int]


class Share(AnswerModel):
    """A share: `part` of `whole`, in per cent to one decimal (null without a whole), and as written: 87,4 %."""

    part: int
    whole: int
    percent: float | None
    text: str


class ComparedFigures(AnswerModel):
    """The figures and shares of one period, for the year-on-year comparison."""

    period: str
    figures: dict[str, int]
    shares: dict[str, Share]


class Finding(AnswerModel):
    """A figure that does not add up (`total`, `children`, `beyond_owed`: `figure`, its `value` and the `parts`
    it should equal), or an honor still on the roll of a subject later found at fault (`honored_then_found`)."""

    kind: Literal["total", "children", "beyond_owed", "honored_then_found"]
    figure: str | None = None
    value: int | None = None
    parts: int | None = None
    honor_id: str | None = None
    subject_kind: str | None = None
    subject_id: str | None = None
    level: str | None = None
    period: str | None = None


class TopicCells(AnswerModel):
    """A thematic topic (chuyên đề) of the catalogue and the distinct cells under the unit that took it up."""

    topic_id: str
    year: int
    title: str
    issuing_unit_id: str
    cells: int


class UnitFigures(AnswerModel):
    """A unit's figures over its subtree for a period or a range of periods (counts by figure name: acts summed
    over the periods, people and organisations counted once, denominators of the directory at the end), the
    shares, the last period beside the same period a year before, each child's figures, and what does not add up."""

    unit_id: str
    name: str
    level: str
    period: str = Field(description="the period or range asked: 2026, 2025..2026, 2024-H2..2025-H1")
    periods: list[str] = Field(description="the periods of the range, in order")
    structure: Literal["historical", "current"]
    merged_units: list[str] = Field(description="the units whose figures are added up (merged ones in `current`)")
    figures: dict[str, int]
    shares: dict[str, Share]
    latest: ComparedFigures = Field(description="the last period of the range (the range itself when one period)")
    previous: ComparedFigures = Field(description="the same period a year before the last one")
    children: list[ChildFigures]
    reconciliation: list[Finding]
    topics: list[TopicCells] = Field(
        description="the catalogue of thematic topics of the span's years issued by the unit, a committee above it "
        "or one under it, each with the distinct cells under the unit that took it up in the span"
    )


class UnitReport(UnitFigures):
    """The figures together with the Vietnamese narrative (numbers written 142.597)."""

    narrative: str


class UnitRow(AnswerModel):
    """A unit of a compliance list."""

    unit_id: str
    name: str
    level: str


class MemberRow(AnswerModel):
    """A member of a compliance list."""

    member_id: str
    full_name: str
    cell_id: str


class CompliancePage(AnswerModel):
    """A page of a compliance list; `next` is the offset of the following page (null on the last). The
    list's unit and the period asked (`month`, `quarter`, `period` with the `levels` owing, or `year`) head it."""

    model_config = ConfigDict(extra="allow")

    unit_id: str
    total: int
    next: int | None


class UnitsPage(CompliancePage):
    """A page of units that missed what the list is about."""

    items: list[UnitRow]


class MembersPage(CompliancePage):
    """A page of members who filed no commitment."""

    items: list[MemberRow]
