"""How honors and nominations are shown in HTTP answers."""

from typing import Literal

import asyncpg
from pydantic import ConfigDict

from neuguong.runtime.answers import AnswerModel
from schemas.honors import HonorLevel, SubjectKind


def honor_view(row: asyncpg.Record, *, findings: bool = True) -> dict:
    """An entry of the honor roll, with its revocation when it was struck off.

    Why it was revoked (inspection findings, discipline) is shown only when `findings` is true: to the
    roles that may read findings, never to members or publishers.
    """
    revoked = (
        None
        if row["revoked_at"] is None
        else {"revoked_at": row["revoked_at"].isoformat(), "revoked_by": row["revoked_by"]}
    )
    if revoked is not None and findings:
        revoked.update(
            reason=row["revocation_reason"],
            inspection_id=row["revoking_inspection_id"],
            discipline_id=row["revoking_discipline_id"],
        )
    return {
        "honor_id": row["honor_id"],
        "subject": {"kind": row["subject_kind"], "id": row["subject_id"], "name": row["subject_name"]},
        "recording_unit_id": row["recording_unit_id"],
        "level": row["level"],
        "period": row["period"],
        "deed": row["deed"],
        "evidence": row["evidence"],
        "proposed_by": row["proposed_by"],
        "approved_by": row["approved_by"],
        "consent_to_publish": row["consent_to_publish"],
        "nomination_id": row["nomination_id"],
        "unit_path": list(row["unit_path"]),
        "recorded_on": row["recorded_on"].isoformat(),
        "status": "on_roll" if revoked is None else "revoked",
        "revocation": revoked,
    }


def nomination_view(row: asyncpg.Record) -> dict:
    """A nomination and, once decided, its decision."""
    return {
        "nomination_id": row["nomination_id"],
        "subject": {"kind": row["subject_kind"], "id": row["subject_id"], "name": row["subject_name"]},
        "proposing_unit_id": row["proposing_unit_id"],
        "recording_unit_id": row["recording_unit_id"],
        "level": row["level"],
        "period": row["period"],
        "deed": row["deed"],
        "evidence": row["evidence"],
        "proposed_by": row["proposed_by"],
        "consent_to_publish": row["consent_to_publish"],
        "status": row["status"],
        "decided_by": row["decided_by"],
        "decision": row["decision"],
        "honor_id": row["honor_id"],
    }


class Subject(AnswerModel):
    """Who is honored: a member or a unit, with its name."""

    kind: SubjectKind
    id: str
    name: str


class Revocation(AnswerModel):
    """When and by whom an honor was struck off, and why (to the roles that may read findings)."""

    revoked_at: str
    revoked_by: str | None
    reason: str | None
    inspection_id: str | None
    discipline_id: str | None


class RevocationShown(AnswerModel):
    """When and by whom an honor was struck off, as members and publishers see it: not why."""

    model_config = ConfigDict(extra="forbid")

    revoked_at: str
    revoked_by: str | None


class Honor(AnswerModel):
    """An entry of the honor roll."""

    honor_id: str
    subject: Subject
    recording_unit_id: str
    level: HonorLevel
    period: str
    deed: str
    evidence: list[str]
    proposed_by: str
    approved_by: str
    consent_to_publish: bool
    nomination_id: str | None
    unit_path: list[str]
    recorded_on: str
    status: Literal["on_roll", "revoked"]
    revocation: Revocation | RevocationShown | None


class HonorAnswer(Honor):
    """A command's answer about an honor: the entry and the event it caused."""

    event_id: str


class HonorPage(AnswerModel):
    """A page of a subtree's honor roll; `next` is the cursor of the following page (null on the last)."""

    unit_id: str
    items: list[Honor]
    next: str | None


class SubjectHonors(AnswerModel):
    """Every honor of a subject."""

    subject: Subject
    items: list[Honor]


class SubjectRef(AnswerModel):
    """A member or unit by its id."""

    kind: SubjectKind
    id: str


class ReasonAgainst(AnswerModel):
    """One reason a subject may not be honored, naming the finding (`ref`)."""

    code: str
    ref: str
    message: str


class EligibilityAnswer(AnswerModel):
    """Whether the subject could be honored for `period` today, and every reason why not."""

    subject: SubjectRef
    period: str
    eligible: bool
    reasons: list[ReasonAgainst]


class Nomination(AnswerModel):
    """A nomination and, once decided, its decision."""

    nomination_id: str
    subject: Subject
    proposing_unit_id: str
    recording_unit_id: str
    level: HonorLevel
    period: str
    deed: str
    evidence: list[str]
    proposed_by: str
    consent_to_publish: bool
    status: Literal["pending", "approved", "rejected"]
    decided_by: str | None
    decision: str | None
    honor_id: str | None


class NominationAnswer(Nomination):
    """A command's answer about a nomination: the nomination and the event it caused."""

    event_id: str


class NominationPage(AnswerModel):
    """A page of the nominations a unit made or must decide."""

    unit_id: str
    items: list[Nomination]
    next: str | None
