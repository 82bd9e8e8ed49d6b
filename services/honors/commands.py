"""The commands of services/honors, as clients send them (an HTTP body, plus the ids its path names)."""

import re
import unicodedata
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints

from neuguong.runtime.batches import row_of
from neuguong.runtime.input import Command, InputCount, InputPeriod, InputText, OptionalInputText
from schemas.honors import HonorLevel, SubjectKind
from schemas.text import Identifier

HOST = re.compile(r"[\w.-]+|[0-9A-Fa-f:.]+")  # a (possibly Vietnamese, IDN) host name, or an IPv6 address


def http_url(value: str) -> str:
    """Evidence must be a link a reader can open: an absolute http(s) URL without spaces or control characters."""
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise ValueError("must not contain spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not HOST.fullmatch(parts.hostname):
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


EvidenceLink = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(http_url),
    Field(json_schema_extra={"format": "uri", "description": "an absolute http:// or https:// URL"}),
]


class SubjectIn(Command):
    """Who is honored: a member or a collective (a unit)."""

    kind: SubjectKind
    id: Identifier


class HonorContent(Command):
    """What an entry on the roll says, as the proposing side writes it."""

    subject: SubjectIn
    period: InputPeriod
    deed: InputText = Field(description="the good deed, in Vietnamese")
    evidence: list[EvidenceLink] = Field(default_factory=list, max_length=20)
    proposed_by: InputText = Field(description="who proposed the honor (a person or a body)")
    consent_to_publish: bool = Field(False, description="the honoree agreed to be named in public")


class RecordHonor(HonorContent):
    """Command: write an entry on the recording unit's roll (the token's unit)."""

    recording_unit_id: Identifier | None = Field(None, description="default: the token's unit; no other is allowed")
    level: HonorLevel | None = Field(None, description="optional; must be the recording unit's level")
    approved_by: InputText = Field(description="who approved it (a person or a body)")


class HonorBatchItem(RecordHonor):
    """One row of an honor roll import: the entry and where it came from."""

    line: InputCount = Field(description="the row's line in the source file, echoed in the answer")


class RecordHonors(Command):
    """Command: write up to 500 entries on the token's unit's roll; each row stands or falls alone."""

    items: list[row_of(HonorBatchItem)] = Field(min_length=1, max_length=500)  # type: ignore[valid-type]


class NominateHonor(HonorContent):
    """Command: propose a subject for the roll of the unit directly above the proposing unit."""

    proposing_unit_id: Identifier | None = Field(None, description="default: the token's unit; no other is allowed")


class ApproveNominationBody(Command):
    """The approval of a nomination, as the unit above writes it."""

    approved_by: InputText


class ApproveNomination(ApproveNominationBody):
    """Command: the unit above approves a nomination; the honor is recorded."""

    nomination_id: Identifier


class RejectNominationBody(Command):
    """The rejection of a nomination, with its reason."""

    reason: InputText
    rejected_by: InputText


class RejectNomination(RejectNominationBody):
    """Command: the unit above turns a nomination down."""

    nomination_id: Identifier


class RevokeHonorBody(Command):
    """Why an honor is taken off the roll."""

    reason: InputText
    note: OptionalInputText = ""


class RevokeHonor(RevokeHonorBody):
    """Command: an operator takes an honor off the roll."""

    honor_id: Identifier
