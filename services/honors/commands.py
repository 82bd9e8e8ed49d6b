"""Bodies of the HTTP commands of services/honors, as clients send them."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints

from neuguong.runtime.input import Command, InputText, OptionalInputText
from schemas.honors import HonorLevel, SubjectKind
from schemas.text import Identifier, Period


def http_url(value: str) -> str:
    """Evidence must be a link a reader can open: an absolute http(s) URL without spaces."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


EvidenceLink = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
                         AfterValidator(http_url)]



class SubjectIn(Command):
    """Who is honored: a member or a collective (a unit)."""

    kind: SubjectKind
    id: Identifier


class HonorContent(Command):
    """What an entry on the roll says, as the proposing side writes it."""

    subject: SubjectIn
    period: Period
    deed: InputText = Field(description="the good deed, in Vietnamese")
    evidence: list[EvidenceLink] = Field(default_factory=list, max_length=20)
    proposed_by: InputText = Field(description="who proposed the honor (a person or a body)")
    consent_to_publish: bool = Field(False, description="the honoree agreed to be named in public")


class RecordHonor(HonorContent):
    """Command: write an entry on the recording unit's roll (the token's unit)."""

    recording_unit_id: Identifier | None = Field(None, description="default: the token's unit; no other is allowed")
    level: HonorLevel | None = Field(None, description="optional; must be the recording unit's level")
    approved_by: InputText = Field(description="who approved it (a person or a body)")


class NominateHonor(HonorContent):
    """Command: propose a subject for the roll of the unit directly above the proposing unit."""

    proposing_unit_id: Identifier | None = Field(None, description="default: the token's unit; no other is allowed")


class ApproveNomination(Command):
    """Command: the unit above approves a nomination; the honor is recorded."""

    approved_by: InputText


class RejectNomination(Command):
    """Command: the unit above turns a nomination down."""

    reason: InputText
    rejected_by: InputText


class RevokeHonor(Command):
    """Command: an operator takes an honor off the roll."""

    reason: InputText
    note: OptionalInputText = ""
