"""Events of services/commitments: the commitment lifecycle and cell sessions."""

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.envelope import Event
from schemas.text import Identifier, Month, OptionalText, Text
from schemas.topics import COMMITMENTS, SESSIONS

TargetArea = Literal["political_ideology", "ethics_lifestyle", "working_style", "discipline", "task_results"]
SessionKind = Literal["regular", "thematic"]
Rating = Literal["excellent", "good", "completed", "not_completed"]


class PlanItem(BaseModel):
    """One thing the member plans to do, with its deadline."""

    model_config = ConfigDict(frozen=True)

    item_id: Identifier
    title: Text
    deadline: date


class CommitmentEvent(Event):
    """Fields every commitment event carries: whose, which year, in which cell."""

    topic: ClassVar[str] = COMMITMENTS.name
    key_field: ClassVar[str] = "member_id"

    commitment_id: Identifier
    member_id: Identifier
    cell_id: Identifier
    year: int = Field(ge=2000, le=2100)


class CommitmentFiled(CommitmentEvent):
    """A member filed their yearly exemplary commitment (cam kết nêu gương)."""

    event_type: ClassVar[str] = "CommitmentFiled"

    is_leader: bool = False
    is_head: bool = False
    limitations: list[Text] = Field(default_factory=list)
    plan: list[PlanItem] = Field(default_factory=list)
    targets: dict[TargetArea, Text] = Field(default_factory=dict)


class CommitmentAmended(CommitmentEvent):
    """A new version of a commitment's content; earlier versions stay in its history."""

    event_type: ClassVar[str] = "CommitmentAmended"

    revision: int = Field(ge=2)
    limitations: list[Text] = Field(default_factory=list)
    plan: list[PlanItem] = Field(default_factory=list)
    targets: dict[TargetArea, Text] = Field(default_factory=dict)
    reason: Text


class ItemReview(BaseModel):
    """Progress on one plan item, as the member sees it in a month."""

    model_config = ConfigDict(frozen=True)

    item_id: Identifier
    progress: Text


class SelfReflectionRecorded(CommitmentEvent):
    """The monthly self-review against the commitment (tự soi, tự sửa)."""

    event_type: ClassVar[str] = "SelfReflectionRecorded"

    month: Month
    items_reviewed: list[ItemReview] = Field(default_factory=list)
    note: OptionalText = ""


class ItemResult(BaseModel):
    """The year-end result of one plan item."""

    model_config = ConfigDict(frozen=True)

    item_id: Identifier
    done: bool
    on_time: bool
    note: OptionalText = ""


class CommitmentReported(CommitmentEvent):
    """The member's year-end report on the commitment, with a self-proposed rating."""

    event_type: ClassVar[str] = "CommitmentReported"

    is_leader: bool = False
    is_head: bool = False
    results: list[ItemResult] = Field(default_factory=list)
    on_time_percent: int = Field(ge=0, le=100)
    all_limitations_remedied: bool
    self_rating: Rating
    summary: OptionalText = ""


class CommitmentRated(CommitmentEvent):
    """The competent unit's year-end rating (đánh giá, xếp loại); a later one replaces it."""

    event_type: ClassVar[str] = "CommitmentRated"

    rating: Rating
    is_leader: bool = False
    is_head: bool = False
    rated_by_unit: Identifier
    reason: OptionalText = ""
    forced_by_discipline: Identifier | None = None


class NamedReason(BaseModel):
    """A member praised or reminded in a session, and why."""

    model_config = ConfigDict(frozen=True)

    member_id: Identifier
    reason: Text


class SessionEvent(Event):
    """What a cell session record holds (sinh hoạt chi bộ)."""

    topic: ClassVar[str] = SESSIONS.name
    key_field: ClassVar[str] = "cell_id"

    session_id: Identifier
    cell_id: Identifier
    held_on: date
    month: Month
    kind: SessionKind
    topic_title: Text
    topic_id: Identifier | None = Field(
        default=None, description="the thematic topic (chuyên đề) of the catalogue a thematic session took up"
    )
    present: list[Identifier] = Field(default_factory=list)
    absent: list[Identifier] = Field(default_factory=list)
    praised: list[NamedReason] = Field(default_factory=list)
    reminded: list[NamedReason] = Field(default_factory=list)
    resolution: OptionalText = ""


class ThematicTopicIssued(Event):
    """A committee published a thematic topic (chuyên đề) of a year for the cells of its subtree to take up."""

    topic: ClassVar[str] = SESSIONS.name
    key_field: ClassVar[str] = "issuing_unit_id"
    event_type: ClassVar[str] = "ThematicTopicIssued"

    topic_id: Identifier = Field(description="the topic's code, unique in the province (e.g. cd-2026-01)")
    year: int = Field(ge=2000, le=2100)
    title: Text
    issuing_unit_id: Identifier


class SessionHeld(SessionEvent):
    """A cell held its monthly regular or a thematic session (sinh hoạt chi bộ)."""

    event_type: ClassVar[str] = "SessionHeld"


class SessionAmended(SessionEvent):
    """A corrected record of a session already held; it replaces the earlier version."""

    event_type: ClassVar[str] = "SessionAmended"

    revision: int = Field(ge=2)
    reason: Text
