"""A demo directory of Lào Cai: the real 2025 communes, generated cells and members."""

import calendar
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from vietnam_provinces import ProvinceCode, VietNamDivisionType, Ward

from ops.directory import names
from schemas.directory import AdministrativeCode, MemberRegistered, OrgUnitRegistered

PROVINCE_ID = "lc"
PROVINCE_NAME = "Đảng bộ tỉnh Lào Cai"
PROVINCE_CODE = ProvinceCode.P_15
# vietnam-provinces >= 2025.8 ships post-reform data only; its 0.6.0 release (data of 2025-01-04)
# lists the old "Tỉnh Lào Cai" as 10 and old Yên Bái as 15, the code the merged province kept.
PRE2025_PROVINCE_CODE = "10"
FIRST_ADMISSION = date(1975, 1, 1)
# Shares among ordinary members (leaders are long-standing and active), so ~5%, ~1%, ~0.5% overall.
RECENT_SHARE, EXEMPTED_SHARE, SUSPENDED_SHARE = 0.055, 0.011, 0.0055


@dataclass(frozen=True)
class DemoDirectory:
    """Org units (parents before children) and members of the demo province."""

    units: tuple[OrgUnitRegistered, ...]
    members: tuple[MemberRegistered, ...]
    _by_id: Mapping[str, OrgUnitRegistered] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {unit.unit_id: unit for unit in self.units})

    def unit_path(self, unit_id: str) -> list[str]:
        """Ids from the root down to `unit_id` itself, for an envelope's `unit_path`."""
        return _walk_up(self._by_id, unit_id)

    def path_for(self, event: OrgUnitRegistered | MemberRegistered) -> list[str]:
        """The envelope `unit_path` of a directory event: the unit's, or the member's cell's."""
        if isinstance(event, MemberRegistered):
            return self.unit_path(event.cell_id)
        return self.unit_path(event.unit_id)


def unit_path(units: Iterable[OrgUnitRegistered], unit_id: str) -> list[str]:
    """Ids from the root down to `unit_id` itself, looked up in `units`."""
    return _walk_up({unit.unit_id: unit for unit in units}, unit_id)


def lao_cai_communes() -> list[Ward]:
    """The communes and wards of Lào Cai after the 2025 reform, in code order."""
    return sorted(Ward.iter_by_province(PROVINCE_CODE), key=lambda ward: int(ward.code))


def build_demo_directory(
    *,
    seed: int = 2025,
    communes: int | None = None,
    cells_per_commune: tuple[int, int] = (14, 30),
    members_per_cell: tuple[int, int] = (18, 45),
    reference_date: date = date(2026, 1, 1),
) -> DemoDirectory:
    """Build the directory; `communes` keeps only the first N communes, for small trees."""
    if cells_per_commune[0] < 2 or members_per_cell[0] < 3:
        raise ValueError("cells_per_commune >= 2 (both kinds) and members_per_cell >= 3 (head, leaders)")
    units = [_province()]
    members: list[MemberRegistered] = []
    for ward in lao_cai_communes()[:communes]:
        # One generator per commune: a small tree is exactly the start of the full one.
        rng = random.Random(f"{seed}:{int(ward.code)}")
        commune = _commune(ward)
        units.append(commune)
        for cell in _cells(rng, ward, commune.unit_id, rng.randint(*cells_per_commune)):
            units.append(cell)
            size = rng.randint(*members_per_cell)
            members += _members(rng, cell.unit_id, size, ward_is_urban(ward), reference_date)
    return DemoDirectory(units=tuple(units), members=tuple(members))


def ward_is_urban(ward: Ward) -> bool:
    """Wards (phường) are urban; communes (xã) and special zones are not."""
    return ward.division_type == VietNamDivisionType.PHUONG


def _province() -> OrgUnitRegistered:
    codes = [
        AdministrativeCode(code=f"{int(PROVINCE_CODE):02d}", scheme="2025"),
        AdministrativeCode(code=PRE2025_PROVINCE_CODE, scheme="pre2025"),
    ]
    return OrgUnitRegistered(unit_id=PROVINCE_ID, name=PROVINCE_NAME, level="province", admin_codes=codes)


def _commune(ward: Ward) -> OrgUnitRegistered:
    return OrgUnitRegistered(
        unit_id=_commune_id(ward),
        name=f"Đảng bộ {ward.division_type.value} {_place(ward)}",
        level="grassroots",
        parent_id=PROVINCE_ID,
        commune=ward.name,
        admin_codes=[AdministrativeCode(code=f"{int(ward.code):05d}", scheme="2025")],
    )


def _cells(rng: random.Random, ward: Ward, parent_id: str, count: int) -> list[OrgUnitRegistered]:
    n_agency = max(1, min(len(names.AGENCY_CELLS), round(count * 0.25)))
    n_rural = count - n_agency
    if ward_is_urban(ward):
        rural = [f"Chi bộ tổ dân phố số {number}" for number in range(1, n_rural + 1)]
    else:
        rural = [f"Chi bộ {village}" for village in names.village_names(rng, n_rural)]
    kind, place = ward.division_type.value, _place(ward)
    agency = [template.format(kind=kind, place=place) for template in names.AGENCY_CELLS[:n_agency]]
    named = [(name, "agency") for name in agency] + [(name, "rural") for name in rural]
    return [
        OrgUnitRegistered(
            unit_id=f"{parent_id}-c{number:02d}",
            name=name,
            level="cell",
            parent_id=parent_id,
            cell_kind=cell_kind,
            commune=ward.name,
        )
        for number, (name, cell_kind) in enumerate(named, start=1)
    ]


def _members(rng: random.Random, cell_id: str, count: int, urban: bool, today: date) -> list[MemberRegistered]:
    cutoff = _six_months_before(today)
    n_leaders = 1 + rng.randint(1, 2)  # the secretary heads the cell, one or two more lead with them
    members = []
    for number in range(1, count + 1):
        status, recent = "active", False
        if number > n_leaders:  # leaders are long-standing, active members
            roll = rng.random()
            status = (
                "exempted"
                if roll < EXEMPTED_SHARE
                else "suspended"
                if roll < EXEMPTED_SHARE + SUSPENDED_SHARE
                else "active"
            )
            recent = status == "active" and rng.random() < RECENT_SHARE
        admitted = (
            _day_between(rng, cutoff + timedelta(days=1), today - timedelta(days=1))
            if recent
            else _day_between(rng, FIRST_ADMISSION, cutoff - timedelta(days=1))
        )
        members.append(
            MemberRegistered(
                member_id=f"{cell_id}-m{number:03d}",
                full_name=names.full_name(rng, urban=urban),
                cell_id=cell_id,
                admitted_on=admitted,
                status=status,
                is_leader=number <= n_leaders,
                is_head=number == 1,
            )
        )
    return members


def _commune_id(ward: Ward) -> str:
    return f"{PROVINCE_ID}-x{int(ward.code):05d}"


def _place(ward: Ward) -> str:
    """The name without its type prefix: "Xã Bát Xát" → "Bát Xát"."""
    return ward.name[len(ward.division_type.value) + 1 :]


def _six_months_before(day: date) -> date:
    year, month0 = divmod(day.year * 12 + day.month - 1 - 6, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _walk_up(by_id: Mapping[str, OrgUnitRegistered], unit_id: str) -> list[str]:
    if unit_id not in by_id:
        raise KeyError(f"unit_id: no unit {unit_id!r} in the directory")
    path = [unit_id]
    while (parent := by_id[path[-1]].parent_id) is not None:
        path.append(parent)
    return path[::-1]
