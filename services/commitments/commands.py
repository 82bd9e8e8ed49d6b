"""Bodies of the HTTP commands of services/commitments, as clients send them."""

from datetime import date

from pydantic import Field

from neuguong.runtime.input import Command, InputText, OptionalInputText
from schemas.commitments import Rating, SessionKind, TargetArea
from schemas.text import Identifier, Month



class PlanItemIn(Command):
    """A plan item as the member writes it."""

    title: InputText
    deadline: date


class CommitmentContent(Command):
    """What a commitment says: limitations to fix, plan, targets per area."""

    limitations: list[InputText] = Field(default_factory=list, max_length=50)
    plan: list[PlanItemIn] = Field(default_factory=list, max_length=100)
    targets: dict[TargetArea, InputText] = Field(default_factory=dict)


class FileCommitment(CommitmentContent):
    """Command: file the yearly exemplary commitment of a member."""

    member_id: Identifier
    year: int = Field(ge=2000, le=2100)


class AmendCommitment(CommitmentContent):
    """Command: a new version of the commitment's content."""

    reason: InputText
    base_version: int | None = Field(default=None, ge=1, description="refuse when the current version differs")


class ItemReviewIn(Command):
    """Progress on one plan item."""

    item_id: Identifier
    progress: InputText


class RecordSelfReflection(Command):
    """Command: the month's self-review against the commitment."""

    month: Month
    items_reviewed: list[ItemReviewIn] = Field(default_factory=list, max_length=100)
    note: OptionalInputText = ""


class ItemResultIn(Command):
    """The year-end result of one plan item."""

    item_id: Identifier
    done: bool
    on_time: bool
    note: OptionalInputText = ""


class ReportCommitment(Command):
    """Command: the year-end report with a self-proposed rating."""

    results: list[ItemResultIn] = Field(default_factory=list, max_length=100)
    all_limitations_remedied: bool
    self_rating: Rating
    summary: OptionalInputText = ""


class RateCommitment(Command):
    """Command: the competent unit's year-end rating."""

    rating: Rating
    reason: OptionalInputText = ""


class NamedReasonIn(Command):
    """A member praised or reminded, and why."""

    member_id: Identifier
    reason: InputText


class SessionRecord(Command):
    """What a cell session record says."""

    held_on: date
    month: Month
    kind: SessionKind
    topic_title: InputText
    present: list[Identifier] = Field(default_factory=list, max_length=500)
    absent: list[Identifier] = Field(default_factory=list, max_length=500)
    praised: list[NamedReasonIn] = Field(default_factory=list, max_length=500)
    reminded: list[NamedReasonIn] = Field(default_factory=list, max_length=500)
    resolution: OptionalInputText = ""


class RecordSession(SessionRecord):
    """Command: a cell held a session."""

    cell_id: Identifier


class AmendSession(SessionRecord):
    """Command: correct the record of a session already held."""

    reason: InputText
