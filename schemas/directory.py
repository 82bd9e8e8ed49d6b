"""Reference data from the party's member database: org units and members."""

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.envelope import Event
from schemas.text import Identifier, Text
from schemas.topics import DIRECTORY_MEMBERS, DIRECTORY_UNITS

UnitLevel = Literal["province", "district", "grassroots", "cell"]
CellKind = Literal["rural", "agency"]
CodeScheme = Literal["pre2025", "2025"]
MemberStatus = Literal["active", "exempted", "suspended"]
UnitKind = Literal["territorial", "agency", "enterprise", "armed_forces"]
"""Of a committee: territorial (a commune's, the province's) or a bloc of agencies, enterprises, the armed forces."""
LeftReason = Literal["transferred", "deceased", "left_party"]
"""Why a member left the directory: chuyển đi, từ trần, ra khỏi Đảng."""


class AdministrativeCode(BaseModel):
    """An official administrative code; codes were reused in 2025, so the scheme is part of it."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=r"^\d{1,6}$")
    scheme: CodeScheme


class OrgUnitRegistered(Event):
    """A party organisation as the member database knows it (latest state wins)."""

    event_type: ClassVar[str] = "OrgUnitRegistered"
    topic: ClassVar[str] = DIRECTORY_UNITS.name
    key_field: ClassVar[str] = "unit_id"

    unit_id: Identifier
    name: Text
    level: UnitLevel
    parent_id: Identifier | None = None
    cell_kind: CellKind | None = None
    commune: Text | None = None
    admin_codes: list[AdministrativeCode] = Field(default_factory=list)
    dissolved: bool = False
    merged_into: Identifier | None = None
    kind: UnitKind | None = Field(default=None, description="committees only: territorial or a bloc's")
    effective_on: date | None = Field(
        default=None,
        description="when this state (a rename, move, merger, dissolution) took effect; unknown when absent",
    )

    @model_validator(mode="after")
    def _shape(self) -> "OrgUnitRegistered":
        if (self.level == "province") != (self.parent_id is None):
            raise ValueError("parent_id: required for every level but province")
        if (self.level == "cell") != (self.cell_kind is not None):
            raise ValueError("cell_kind: required for cells and only for cells")
        return self


class MemberRegistered(Event):
    """A party member and the cell they belong to (latest state wins)."""

    event_type: ClassVar[str] = "MemberRegistered"
    topic: ClassVar[str] = DIRECTORY_MEMBERS.name
    key_field: ClassVar[str] = "member_id"

    member_id: Identifier
    full_name: Text
    cell_id: Identifier
    admitted_on: date
    status: MemberStatus = "active"
    is_leader: bool = False
    is_head: bool = False
    left: bool = False
    left_reason: LeftReason | None = None
    left_on: date | None = None
