"""How commitments and sessions are shown in HTTP answers."""

import asyncpg
from pydantic import ConfigDict

from neuguong.runtime.answers import AnswerModel


def commitment_view(row: asyncpg.Record) -> dict:
    """A commitment's current state."""
    return {
        "commitment_id": row["commitment_id"],
        "member_id": row["member_id"],
        "cell_id": row["cell_id"],
        "year": row["year"],
        "version": row["version"],
        "filed_at": row["filed_at"].isoformat(),
        **row["content"],
    }


def session_view(row: asyncpg.Record) -> dict:
    """A session record as it now stands."""
    return {
        "session_id": row["session_id"],
        "cell_id": row["cell_id"],
        "month": row["month"],
        "kind": row["kind"],
        "held_on": row["held_on"].isoformat(),
        "revision": row["revision"],
        **row["content"],
    }


def history_view(row: asyncpg.Record, history: dict[str, list[asyncpg.Record]]) -> dict:
    """A commitment with every version, monthly review, its report and rating."""
    cid = row["commitment_id"]
    report = next((r for r in history["reports"] if r["commitment_id"] == cid), None)
    rating = next((r for r in history["ratings"] if r["commitment_id"] == cid), None)
    return {
        **commitment_view(row),
        "versions": [
            {
                "version": v["version"],
                "changed_by": v["changed_by"],
                "changed_at": v["changed_at"].isoformat(),
                "reason": v["reason"],
                **v["content"],
            }
            for v in history["versions"]
            if v["commitment_id"] == cid
        ],
        "self_reflections": [
            {"month": r["month"], "recorded_at": r["recorded_at"].isoformat(), **r["content"]}
            for r in history["reflections"]
            if r["commitment_id"] == cid
        ],
        "report": None
        if report is None
        else {
            "on_time_percent": report["on_time_percent"],
            "reported_at": report["reported_at"].isoformat(),
            **report["content"],
        },
        "rating": None
        if rating is None
        else {
            "rating": rating["rating"],
            "rated_by_unit": rating["rated_by_unit"],
            "reason": rating["reason"],
            "forced_by_discipline": rating["forced_by_discipline"],
            "rated_at": rating["rated_at"].isoformat(),
        },
    }


class PlanItem(AnswerModel):
    """A plan item, numbered p1, p2, … when filed."""

    item_id: str
    title: str
    deadline: str


class CommitmentContent(AnswerModel):
    """What a commitment says (as filed or last amended)."""

    model_config = ConfigDict(extra="allow")

    limitations: list[str]
    plan: list[PlanItem]
    targets: dict[str, str]


class Commitment(CommitmentContent):
    """A commitment's current state."""

    commitment_id: str
    member_id: str
    cell_id: str
    year: int
    version: int
    filed_at: str


class CommitmentAnswer(Commitment):
    """A command's answer about a commitment: its state, the event it caused, and what the command added
    (`month` of a self-review, `on_time_percent` of a report, `rating`)."""

    event_id: str


class UnitCommitment(Commitment):
    """A commitment of a unit's subtree, with its member's standing and the rating so far."""

    is_leader: bool
    is_head: bool
    rating: str | None


class UnitCommitments(AnswerModel):
    """A page of a subtree's commitments; `next` is the cursor of the following page (null on the last)."""

    unit_id: str
    year: int
    total: int
    items: list[UnitCommitment]
    next: str | None


class CommitmentVersion(CommitmentContent):
    """One version of a commitment's content, who made it and why."""

    version: int
    changed_by: str
    changed_at: str
    reason: str | None


class SelfReflection(AnswerModel):
    """A monthly self-review."""

    model_config = ConfigDict(extra="allow")

    month: str
    recorded_at: str


class Report(AnswerModel):
    """The year-end report."""

    model_config = ConfigDict(extra="allow")

    on_time_percent: int
    reported_at: str


class RatingView(AnswerModel):
    """The year-end rating and who decided it."""

    rating: str
    rated_by_unit: str
    reason: str
    forced_by_discipline: str | None
    rated_at: str


class CommitmentHistory(Commitment):
    """A commitment with every version, monthly review, its report and rating."""

    versions: list[CommitmentVersion]
    self_reflections: list[SelfReflection]
    report: Report | None
    rating: RatingView | None


class MemberCommitments(AnswerModel):
    """A member's commitments with their whole history."""

    member_id: str
    commitments: list[CommitmentHistory]


class Session(AnswerModel):
    """A session record as it now stands."""

    model_config = ConfigDict(extra="allow")

    session_id: str
    cell_id: str
    month: str
    kind: str
    held_on: str
    revision: int


def topic_view(row: asyncpg.Record) -> dict:
    """A topic of the catalogue."""
    return {k: row[k] for k in ("topic_id", "year", "title", "issuing_unit_id")}


class TopicAnswer(AnswerModel):
    """A thematic topic (chuyên đề) of the catalogue and the event that published it."""

    topic_id: str
    year: int
    title: str
    issuing_unit_id: str
    event_id: str


class SessionAnswer(Session):
    """A command's answer about a session: its record and the event it caused."""

    event_id: str


class CellSessions(AnswerModel):
    """A cell's sessions of a year and what it missed so far (months `YYYY-MM`, quarters `YYYY-Qn`)."""

    cell_id: str
    year: int
    sessions: list[Session]
    missing_regular: list[str]
    missing_thematic: list[str]
