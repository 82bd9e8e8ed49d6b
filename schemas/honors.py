"""Events of services/honors: the honor roll (sổ ghi danh)."""

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.envelope import Event
from schemas.text import Identifier, Period, Text
from schemas.topics import HONORS

HonorLevel = Literal["cell", "grassroots", "district", "province"]
SubjectKind = Literal["member", "unit"]


class HonorSubject(BaseModel):
    """Who is honored: a member or a collective (an org unit)."""

    model_config = ConfigDict(frozen=True)

    kind: SubjectKind
    id: Identifier
    name: Text


class HonorRecorded(Event):
    """An entry was written into the honor roll of the recording unit."""

    event_type: ClassVar[str] = "HonorRecorded"
    topic: ClassVar[str] = HONORS.name
    key_field: ClassVar[str] = "subject_id"

    honor_id: Identifier
    subject: HonorSubject
    recording_unit_id: Identifier
    level: HonorLevel
    period: Period
    deed: Text
    evidence: list[str] = Field(default_factory=list)
    proposed_by: Text
    approved_by: Text
    consent_to_publish: bool = False

    @property
    def subject_id(self) -> str:
        """The Kafka key: every event of one subject stays in order."""
        return self.subject.id
