"""Events of services/commitments: commitments and cell sessions."""

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.envelope import Event
from schemas.text import Identifier, Month, OptionalText, Text
from schemas.topics import COMMITMENTS, SESSIONS

TargetArea = Literal["political_ideology", "ethics_lifestyle", "working_style", "discipline", "task_results"]
SessionKind = Literal["regular", "thematic"]


class PlanItem(BaseModel):
    """One thing the member plans to do, with its deadline."""

    model_config = ConfigDict(frozen=True)

    item_id: Identifier
    title: Text
    deadline: date


class CommitmentFiled(Event):
    """A member filed their yearly exemplary commitment (cam kết nêu gương)."""

    event_type: ClassVar[str] = "CommitmentFiled"
    topic: ClassVar[str] = COMMITMENTS.name
    key_field: ClassVar[str] = "member_id"

    commitment_id: Identifier
    member_id: Identifier
    cell_id: Identifier
    year: int = Field(ge=2000, le=2100)
    is_leader: bool = False
    is_head: bool = False
    limitations: list[Text] = Field(default_factory=list)
    plan: list[PlanItem] = Field(default_factory=list)
    targets: dict[TargetArea, Text] = Field(default_factory=dict)


class NamedReason(BaseModel):
    """A member praised or reminded in a session, and why."""

    model_config = ConfigDict(frozen=True)

    member_id: Identifier
    reason: Text


class SessionHeld(Event):
    """A cell held its monthly regular or a thematic session (sinh hoạt chi bộ)."""

    event_type: ClassVar[str] = "SessionHeld"
    topic: ClassVar[str] = SESSIONS.name
    key_field: ClassVar[str] = "cell_id"

    session_id: Identifier
    cell_id: Identifier
    held_on: date
    month: Month
    kind: SessionKind
    topic_title: Text
    present: list[Identifier] = Field(default_factory=list)
    absent: list[Identifier] = Field(default_factory=list)
    praised: list[NamedReason] = Field(default_factory=list)
    reminded: list[NamedReason] = Field(default_factory=list)
    resolution: OptionalText = ""
