"""How inspections and disciplines are shown in HTTP answers."""

from typing import Literal

import asyncpg

from neuguong.runtime.answers import AnswerModel
from schemas.inspections import Conclusion, DisciplineMeasure, InspectionKind, TargetKind


def inspection_view(row: asyncpg.Record) -> dict:
    """An inspection as it now stands."""
    return {
        "inspection_id": row["inspection_id"],
        "kind": row["kind"],
        "target": {"kind": row["target_kind"], "id": row["target_id"]},
        "topic_title": row["topic_title"],
        "period": row["period"],
        "committee_unit_id": row["committee_unit_id"],
        "unit_path": list(row["unit_path"]),
        "opened_on": row["opened_on"].isoformat(),
        "status": "open" if row["conclusion"] is None else "concluded",
        "conclusion": row["conclusion"],
        "summary": row["summary"],
        "recommendations": row["recommendations"] or [],
        "concluded_on": row["concluded_on"] and row["concluded_on"].isoformat(),
    }


def discipline_view(row: asyncpg.Record) -> dict:
    """A discipline."""
    return {
        "discipline_id": row["discipline_id"],
        "target": {"kind": row["target_kind"], "id": row["target_id"]},
        "measure": row["measure"],
        "decided_on": row["decided_on"].isoformat(),
        "reason": row["reason"],
        "inspection_id": row["inspection_id"],
        "decided_by_unit": row["decided_by_unit"],
        "note": row["note"],
        "unit_path": list(row["unit_path"]),
    }


class Target(AnswerModel):
    """The member or organisation checked or disciplined."""

    kind: TargetKind
    id: str


class Inspection(AnswerModel):
    """An inspection or supervision as it now stands."""

    inspection_id: str
    kind: InspectionKind
    target: Target
    topic_title: str
    period: str
    committee_unit_id: str
    unit_path: list[str]
    opened_on: str
    status: Literal["open", "concluded"]
    conclusion: Conclusion | None
    summary: str | None
    recommendations: list[str]
    concluded_on: str | None


class InspectionAnswer(Inspection):
    """A command's answer about an inspection: its state and the event it caused."""

    event_id: str


class InspectionPage(AnswerModel):
    """A page of a subtree's inspections; `next` is the cursor of the following page (null on the last)."""

    unit_id: str
    items: list[Inspection]
    next: str | None


class Discipline(AnswerModel):
    """A discipline."""

    discipline_id: str
    target: Target
    measure: DisciplineMeasure
    decided_on: str
    reason: str
    inspection_id: str | None
    decided_by_unit: str
    note: str
    unit_path: list[str]


class DisciplineAnswer(Discipline):
    """A command's answer about a discipline: the discipline and the event it caused."""

    event_id: str


class DisciplinePage(AnswerModel):
    """A page of a subtree's disciplines; `next` is the cursor of the following page (null on the last)."""

    unit_id: str
    items: list[Discipline]
    next: str | None
