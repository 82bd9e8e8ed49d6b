"""Events of services/inspections: inspections, supervisions, conclusions and discipline."""

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.envelope import Event
from schemas.text import Identifier, OptionalText, Period, Text
from schemas.topics import INSPECTIONS

InspectionKind = Literal["inspection", "supervision"]
Conclusion = Literal["compliant", "shortcomings", "violation"]
DisciplineMeasure = Literal["reprimand", "warning", "removal_from_post", "expulsion"]
TargetKind = Literal["member", "unit"]


class Target(BaseModel):
    """Who is checked or disciplined: a member or an organisation."""

    model_config = ConfigDict(frozen=True)

    kind: TargetKind
    id: Identifier


class InspectionEvent(Event):
    """Base of events about one target; the Kafka key is the target's id."""

    topic: ClassVar[str] = INSPECTIONS.name
    key_field: ClassVar[str] = "target_id"

    target: Target

    @property
    def target_id(self) -> str:
        """The Kafka key: every event about one target stays in order."""
        return self.target.id


class InspectionOpened(InspectionEvent):
    """An inspection or supervision of a member or organisation was opened."""

    event_type: ClassVar[str] = "InspectionOpened"

    inspection_id: Identifier
    kind: InspectionKind
    topic_title: Text
    period: Period
    committee_unit_id: Identifier
    opened_on: date


class InspectionConcluded(InspectionEvent):
    """An inspection reached its conclusion."""

    event_type: ClassVar[str] = "InspectionConcluded"

    inspection_id: Identifier
    kind: InspectionKind
    period: Period
    conclusion: Conclusion
    summary: Text
    recommendations: list[Text] = Field(default_factory=list)
    concluded_on: date


class DisciplineImposed(InspectionEvent):
    """A disciplinary measure (kỷ luật) against a member or organisation."""

    event_type: ClassVar[str] = "DisciplineImposed"

    discipline_id: Identifier
    measure: DisciplineMeasure
    decided_on: date
    reason: Text
    inspection_id: Identifier | None = None
    decided_by_unit: Identifier
    note: OptionalText = ""
