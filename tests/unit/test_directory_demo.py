"""The demo directory: real Lào Cai communes, a well-formed tree, plausible members."""

import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date

import pytest
from vietnam_provinces import Province, ProvinceCode, Ward

from ops.directory.demo import build_demo_directory, unit_path
from schemas.directory import AdministrativeCode, MemberRegistered, OrgUnitRegistered

IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
REAL_COMMUNES = {int(ward.code): ward for ward in Ward.iter_by_province(ProvinceCode.P_15)}


@pytest.fixture(scope="module")
def directory():
    return build_demo_directory()


def cells_of(directory):
    return [unit for unit in directory.units if unit.level == "cell"]


def test_one_grassroots_committee_per_real_2025_commune(directory):
    grassroots = [unit for unit in directory.units if unit.level == "grassroots"]
    assert len(grassroots) == len(REAL_COMMUNES) > 0
    for unit in grassroots:
        (code,) = unit.admin_codes
        ward = REAL_COMMUNES[int(code.code)]
        assert code.scheme == "2025"
        assert unit.commune == ward.name
        assert unit.name == f"Đảng bộ {ward.name[0].lower()}{ward.name[1:]}"


def test_root_is_lao_cai_with_both_code_schemes(directory):
    root = directory.units[0]
    assert (root.unit_id, root.level, root.name) == ("lc", "province", "Đảng bộ tỉnh Lào Cai")
    assert Province.from_code(ProvinceCode(int(root.admin_codes[0].code))).name == "Lào Cai"
    assert set(root.admin_codes) == {
        AdministrativeCode(code="15", scheme="2025"),
        AdministrativeCode(code="10", scheme="pre2025"),
    }


def test_text_is_nfc_and_vietnamese(directory):
    texts = [u.name for u in directory.units] + [m.full_name for m in directory.members]
    assert all(unicodedata.is_normalized("NFC", text) for text in texts)
    marks = {c for t in texts for c in unicodedata.normalize("NFD", t) if unicodedata.combining(c)}
    assert {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"} <= marks  # the five tone marks
    assert any("Đ" in text for text in texts)


def test_parents_exist_and_come_first(directory):
    seen = set()
    for unit in directory.units:
        assert unit.parent_id is None or unit.parent_id in seen, unit.unit_id
        seen.add(unit.unit_id)
    cell_ids = {cell.unit_id for cell in cells_of(directory)}
    assert all(member.cell_id in cell_ids for member in directory.members)


def test_every_commune_has_both_kinds_of_cell_with_distinct_names(directory):
    kinds, names = defaultdict(set), defaultdict(list)
    for cell in cells_of(directory):
        kinds[cell.parent_id].add(cell.cell_kind)
        names[cell.parent_id].append(cell.name)
    assert len(kinds) == len(REAL_COMMUNES)
    assert all(found == {"rural", "agency"} for found in kinds.values())
    assert all(len(set(found)) == len(found) for found in names.values())


def test_every_cell_has_one_head_and_one_or_two_other_leaders(directory):
    heads, leaders = Counter(), Counter()
    for member in directory.members:
        heads[member.cell_id] += member.is_head
        leaders[member.cell_id] += member.is_leader and not member.is_head
    assert all(heads[cell.unit_id] == 1 for cell in cells_of(directory))
    assert set(leaders.values()) == {1, 2}


def test_same_seed_same_directory_other_seed_other_names():
    first, again = build_demo_directory(communes=3), build_demo_directory(communes=3)
    other = build_demo_directory(seed=7, communes=3)
    assert first == again
    assert [m.full_name for m in first.members] != [m.full_name for m in other.members[: len(first.members)]]


def test_small_tree_is_the_start_of_the_full_one(directory):
    small = build_demo_directory(communes=2)
    assert [u.level for u in small.units].count("grassroots") == 2
    assert 2 * 14 <= len(cells_of(small)) <= 2 * 30
    assert small.units == directory.units[: len(small.units)]
    assert small.members == directory.members[: len(small.members)]


def test_full_size_is_in_the_provinces_range(directory):
    assert 1_500 <= len(cells_of(directory)) <= 3_000
    assert 60_000 <= len(directory.members) <= 80_000


def test_statuses_and_admissions_are_spread_like_the_brief(directory):
    count = len(directory.members)
    statuses = Counter(member.status for member in directory.members)
    recent = sum(member.admitted_on >= date(2025, 7, 1) for member in directory.members)
    assert 0.04 < recent / count < 0.06
    assert 0.007 < statuses["exempted"] / count < 0.013
    assert 0.003 < statuses["suspended"] / count < 0.008
    assert min(m.admitted_on for m in directory.members).year == 1975
    assert max(m.admitted_on for m in directory.members) < date(2026, 1, 1)


def test_every_event_survives_a_pydantic_round_trip(directory):
    for unit in directory.units:
        assert OrgUnitRegistered.model_validate(unit.model_dump()) == unit
    for member in directory.members:
        assert MemberRegistered.model_validate(member.model_dump(mode="json")) == member


def test_ids_are_unique_ascii_and_hierarchical(directory):
    ids = [u.unit_id for u in directory.units] + [m.member_id for m in directory.members]
    assert len(ids) == len(set(ids))
    assert all(IDENTIFIER.match(i) for i in ids)
    assert all(u.unit_id.startswith(f"{u.parent_id}-") for u in directory.units if u.parent_id)
    assert all(m.member_id.startswith(f"{m.cell_id}-m") for m in directory.members)


def test_unit_path_runs_from_the_root_to_the_unit(directory):
    member = directory.members[-1]
    path = directory.path_for(member)
    assert path == unit_path(directory.units, member.cell_id)
    assert [len(path), path[0], path[-1]] == [3, "lc", member.cell_id]
    assert directory.unit_path("lc") == ["lc"]
    with pytest.raises(KeyError, match="nowhere"):
        directory.unit_path("nowhere")


def test_ranges_too_small_for_both_kinds_are_refused():
    with pytest.raises(ValueError, match="cells_per_commune"):
        build_demo_directory(communes=1, cells_per_commune=(1, 3))
