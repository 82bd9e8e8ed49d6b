"""Events of services/honors: the honor roll (sổ ghi danh) and nominations up the levels."""

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.envelope import Event
from schemas.text import Identifier, OptionalText, Period, Text
from schemas.topics import HONORS

HonorLevel = Literal["cell", "grassroots", "district", "province"]
SubjectKind = Literal["member", "unit"]


class HonorSubject(BaseModel):
    """Who is honored: a member or a collective (an org unit)."""

    model_config = ConfigDict(frozen=True)

    kind: SubjectKind
    id: Identifier
    name: Text


class HonorEvent(Event):
    """Base of honor-roll events; the Kafka key is the subject's id, so a subject's events stay in order."""

    topic: ClassVar[str] = HONORS.name
    key_field: ClassVar[str] = "subject_id"

    subject: HonorSubject

    @property
    def subject_id(self) -> str:
        """The Kafka key."""
        return self.subject.id


class HonorRecorded(HonorEvent):
    """An entry was written into the honor roll of the recording unit."""

    event_type: ClassVar[str] = "HonorRecorded"

    honor_id: Identifier
    recording_unit_id: Identifier
    level: HonorLevel
    period: Period
    deed: Text
    evidence: list[str] = Field(default_factory=list)
    proposed_by: Text
    approved_by: Text
    consent_to_publish: bool = False
    nomination_id: Identifier | None = None


class HonorNominated(HonorEvent):
    """A lower unit proposed a subject for the honor roll of the unit above it."""

    event_type: ClassVar[str] = "HonorNominated"

    nomination_id: Identifier
    proposing_unit_id: Identifier
    recording_unit_id: Identifier
    level: HonorLevel
    period: Period
    deed: Text
    evidence: list[str] = Field(default_factory=list)
    proposed_by: Text
    consent_to_publish: bool = False


class HonorRejected(HonorEvent):
    """The unit above turned a nomination down, with its reason."""

    event_type: ClassVar[str] = "HonorRejected"

    nomination_id: Identifier
    proposing_unit_id: Identifier
    recording_unit_id: Identifier
    period: Period
    reason: Text
    rejected_by: Text


class HonorRevoked(HonorEvent):
    """An honor was taken off the roll (a later violation, or an operator); its publicity is retracted."""

    event_type: ClassVar[str] = "HonorRevoked"

    honor_id: Identifier
    recording_unit_id: Identifier
    level: HonorLevel
    period: Period
    reason: Text
    inspection_id: Identifier | None = None
    discipline_id: Identifier | None = None
    revoked_by: Text
    note: OptionalText = ""
