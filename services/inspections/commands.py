"""The commands of services/inspections, as clients send them (an HTTP body, plus the ids its path names)."""

from pydantic import Field

from neuguong.runtime.input import Command, InputDate, InputPeriod, InputText, OptionalInputText
from schemas.inspections import Conclusion, DisciplineMeasure, InspectionKind, TargetKind
from schemas.text import Identifier


class TargetIn(Command):
    """Who is checked or disciplined: a member or an organisation (unit)."""

    kind: TargetKind
    id: Identifier


class OpenInspection(Command):
    """Command: open an inspection or a supervision of a member or an organisation."""

    kind: InspectionKind
    target: TargetIn
    topic_title: InputText
    period: InputPeriod = Field(description="the period under inspection: 2025, 2025-H2, 2025-Q3 or 2025-09")
    committee_unit_id: Identifier | None = Field(
        default=None,
        description="the inspecting committee: the token's unit (default) or a unit below it, at or above the target",
    )
    opened_on: InputDate | None = Field(default=None, description="default: today (Asia/Ho_Chi_Minh)")


class ConcludeInspectionBody(Command):
    """The conclusion of an open inspection, as the HTTP body says it."""

    conclusion: Conclusion
    summary: InputText
    recommendations: list[InputText] = Field(default_factory=list, max_length=50)
    concluded_on: InputDate | None = Field(default=None, description="default: today (Asia/Ho_Chi_Minh)")


class ConcludeInspection(ConcludeInspectionBody):
    """Command: the conclusion of an open inspection (once)."""

    inspection_id: Identifier


class ImposeDiscipline(Command):
    """Command: a disciplinary measure against a member or an organisation."""

    target: TargetIn
    measure: DisciplineMeasure
    reason: InputText
    decided_on: InputDate | None = Field(default=None, description="default: today (Asia/Ho_Chi_Minh)")
    inspection_id: Identifier | None = Field(default=None, description="the inspection that found the violation")
    decided_by_unit: Identifier | None = Field(default=None, description="default: the token's unit")
    note: OptionalInputText = ""
