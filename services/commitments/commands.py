"""The commands of services/commitments, as clients send them (an HTTP body, plus the ids its path names)."""

from pydantic import Field

from neuguong.runtime.batches import row_of
from neuguong.runtime.input import (
    Command,
    InputCount,
    InputDate,
    InputMonth,
    InputText,
    InputYear,
    OptionalInputText,
)
from schemas.commitments import Rating, SessionKind, TargetArea
from schemas.text import Identifier


class PlanItemIn(Command):
    """A plan item as the member writes it."""

    title: InputText
    deadline: InputDate


class CommitmentContent(Command):
    """What a commitment says: limitations to fix, plan, targets per area."""

    limitations: list[InputText] = Field(default_factory=list, max_length=50)
    plan: list[PlanItemIn] = Field(default_factory=list, max_length=100)
    targets: dict[TargetArea, InputText] = Field(default_factory=dict)


class FileCommitment(CommitmentContent):
    """Command: file the yearly exemplary commitment of a member."""

    member_id: Identifier
    year: InputYear


class BatchItem(FileCommitment):
    """One row of an import: the commitment and where it came from."""

    line: InputCount = Field(description="the row's line in the source file, echoed in the answer")


class FileCommitments(Command):
    """Command: file up to 500 commitments; each row stands or falls alone, a malformed one too."""

    items: list[row_of(BatchItem)] = Field(min_length=1, max_length=500)  # type: ignore[valid-type]


class AmendCommitmentBody(CommitmentContent):
    """A new version of the commitment's content."""

    reason: InputText
    base_version: InputCount | None = Field(default=None, description="refuse when the current version differs")


class AmendCommitment(AmendCommitmentBody):
    """Command: a new version of a commitment's content."""

    commitment_id: Identifier


class ItemReviewIn(Command):
    """Progress on one plan item."""

    item_id: Identifier
    progress: InputText


class RecordSelfReflectionBody(Command):
    """The month's self-review against the commitment."""

    month: InputMonth
    items_reviewed: list[ItemReviewIn] = Field(default_factory=list, max_length=100)
    note: OptionalInputText = ""


class RecordSelfReflection(RecordSelfReflectionBody):
    """Command: the month's self-review (tự soi, tự sửa) of a commitment."""

    commitment_id: Identifier


class ItemResultIn(Command):
    """The year-end result of one plan item."""

    item_id: Identifier
    done: bool
    on_time: bool
    note: OptionalInputText = ""


class ReportCommitmentBody(Command):
    """The year-end report with a self-proposed rating."""

    results: list[ItemResultIn] = Field(default_factory=list, max_length=100)
    all_limitations_remedied: bool
    self_rating: Rating
    summary: OptionalInputText = ""


class ReportCommitment(ReportCommitmentBody):
    """Command: the year-end report on a commitment."""

    commitment_id: Identifier


class RateCommitmentBody(Command):
    """The competent unit's year-end rating."""

    rating: Rating
    reason: OptionalInputText = ""


class RateCommitment(RateCommitmentBody):
    """Command: rate a commitment at year end."""

    commitment_id: Identifier


class NamedReasonIn(Command):
    """A member praised or reminded, and why."""

    member_id: Identifier
    reason: InputText


class IssueTopic(Command):
    """Command: a committee publishes a thematic topic (chuyên đề) of a year for the cells of its subtree."""

    topic_id: Identifier = Field(description="the topic's code (Mã chuyên đề), unique in the province")
    year: InputYear
    title: InputText
    issuing_unit_id: Identifier


class SessionRecord(Command):
    """What a cell session record says."""

    held_on: InputDate
    month: InputMonth
    kind: SessionKind
    topic_title: InputText
    topic_id: Identifier | None = Field(
        default=None, description="a topic of the catalogue of the session's year, issued above the cell (thematic)"
    )
    present: list[Identifier] = Field(default_factory=list, max_length=500)
    absent: list[Identifier] = Field(default_factory=list, max_length=500)
    praised: list[NamedReasonIn] = Field(default_factory=list, max_length=500)
    reminded: list[NamedReasonIn] = Field(default_factory=list, max_length=500)
    resolution: OptionalInputText = ""


class RecordSession(SessionRecord):
    """Command: a cell held a session."""

    cell_id: Identifier


class SessionBatchItem(RecordSession):
    """One row of a session book import: the session and where it came from."""

    line: InputCount = Field(description="the row's line in the source file, echoed in the answer")


class RecordSessions(Command):
    """Command: record up to 500 sessions of a cell session book; each row stands or falls alone."""

    items: list[row_of(SessionBatchItem)] = Field(min_length=1, max_length=500)  # type: ignore[valid-type]


class AmendSessionBody(SessionRecord):
    """A correction of a session record."""

    reason: InputText


class AmendSession(AmendSessionBody):
    """Command: correct the record of a session already held."""

    session_id: Identifier
