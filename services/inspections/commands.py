"""Bodies of the HTTP commands of services/inspections, as clients send them."""

from datetime import date

from pydantic import Field

from neuguong.runtime.input import Command, InputText, OptionalInputText
from schemas.inspections import Conclusion, DisciplineMeasure, InspectionKind, TargetKind
from schemas.text import Identifier, Period



class TargetIn(Command):
    """Who is checked or disciplined: a member or an organisation (unit)."""

    kind: TargetKind
    id: Identifier


class OpenInspection(Command):
    """Command: open an inspection or a supervision of a member or an organisation."""

    kind: InspectionKind
    target: TargetIn
    topic_title: InputText
    period: Period = Field(description="the period under inspection: 2025, 2025-H2, 2025-Q3 or 2025-09")
    committee_unit_id: Identifier | None = Field(
        default=None, description="the inspecting committee: the token's unit (default) or a unit below it, "
                                  "at or above the target")
    opened_on: date | None = Field(default=None, description="default: today (Asia/Ho_Chi_Minh)")


class ConcludeInspection(Command):
    """Command: the conclusion of an open inspection (once)."""

    conclusion: Conclusion
    summary: InputText
    recommendations: list[InputText] = Field(default_factory=list, max_length=50)
    concluded_on: date | None = Field(default=None, description="default: today (Asia/Ho_Chi_Minh)")


class ImposeDiscipline(Command):
    """Command: a disciplinary measure against a member or an organisation."""

    target: TargetIn
    measure: DisciplineMeasure
    reason: InputText
    decided_on: date | None = Field(default=None, description="default: today (Asia/Ho_Chi_Minh)")
    inspection_id: Identifier | None = Field(default=None, description="the inspection that found the violation")
    decided_by_unit: Identifier | None = Field(default=None, description="default: the token's unit")
    note: OptionalInputText = ""
