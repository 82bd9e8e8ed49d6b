"""Compliance lists, reports and the current-structure view, through the projections' HTTP API."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from ops.directory.demo import build_demo_directory
from schemas import MemberRegistered, OrgUnitRegistered, encode, wrap
from schemas.commitments import CommitmentFiled, SessionHeld
from schemas.honors import HonorRecorded, HonorRevoked, HonorSubject
from tests.integration.flows import applied, figure
from tests.integration.harness import eventually


@pytest.fixture(scope="module")
def tree():
    return build_demo_directory(communes=2, cells_per_commune=(3, 3), members_per_cell=(4, 4))


def event(e, path):
    return e.topic, e.key().encode(), encode(wrap(e, producer="test", actor="t", unit_path=path, correlation_id="c"))


@pytest.fixture
async def projections(system, tree):
    extra = [  # names to check the Vietnamese order, and two members who owe no commitment
        MemberRegistered(
            member_id="x-duc", full_name="Nguyễn Văn Đức", cell_id=tree.units[2].unit_id, admitted_on=date(2001, 1, 1)
        ),
        MemberRegistered(
            member_id="x-dung", full_name="Trần Thị Dung", cell_id=tree.units[2].unit_id, admitted_on=date(2001, 1, 1)
        ),
        MemberRegistered(
            member_id="x-anh", full_name="Lê Văn Anh", cell_id=tree.units[2].unit_id, admitted_on=date(2001, 1, 1)
        ),
        MemberRegistered(
            member_id="x-anh2", full_name="Phạm Thị Ánh", cell_id=tree.units[2].unit_id, admitted_on=date(2001, 1, 1)
        ),
        MemberRegistered(
            member_id="x-new", full_name="Hầu A Sính", cell_id=tree.units[2].unit_id, admitted_on=date(2025, 10, 1)
        ),
        MemberRegistered(
            member_id="x-exempt",
            full_name="Vàng Thị Mai",
            cell_id=tree.units[2].unit_id,
            admitted_on=date(1990, 1, 1),
            status="exempted",
        ),
    ]
    async with system.service("projections") as service:
        await system.import_directory(tree)
        await system.publish_many([event(m, tree.unit_path(m.cell_id)) for m in extra])

        async def loaded() -> bool:
            return await service.runtime.pool.fetchrow(
                "SELECT (SELECT count(*) FROM directory_units), (SELECT count(*) FROM directory_members)"
            ) == (len(tree.units), len(tree.members) + len(extra))

        await eventually(loaded)
        yield service


def cells_of(tree, commune_index: int) -> list:
    commune = [u for u in tree.units if u.level == "grassroots"][commune_index]
    return commune, [u for u in tree.units if u.parent_id == commune.unit_id]


async def get(service, system, path, **params):
    reply = await service.client.get(path, params=params, headers=system.token("tinh-uy", "committee", "lc"))
    assert reply.status_code == 200, reply.text
    return reply.json()


async def test_compliance_lists_and_reports(system, tree, projections):
    (a, a_cells), (b, b_cells) = cells_of(tree, 0), cells_of(tree, 1)
    filers = [m for m in tree.members if m.cell_id == a_cells[1].unit_id][:2]
    honoree = tree.members[0]
    subject = HonorSubject(kind="member", id=honoree.member_id, name=honoree.full_name)
    path_a1, path_a2 = tree.unit_path(a_cells[0].unit_id), tree.unit_path(a_cells[1].unit_id)

    def session(cell, kind, month):
        return event(
            SessionHeld(
                session_id=f"{cell.unit_id}-{kind}-{month}",
                cell_id=cell.unit_id,
                held_on=date(2026, month, 3),
                month=f"2026-{month:02d}",
                kind=kind,
                topic_title="Học Bác",
            ),
            tree.unit_path(cell.unit_id),
        )

    def honor(honor_id, unit, level, period):
        return event(
            HonorRecorded(
                subject=subject,
                honor_id=honor_id,
                recording_unit_id=unit.unit_id,
                level=level,
                period=period,
                deed="Gương mẫu",
                proposed_by="x",
                approved_by="y",
            ),
            path_a1,
        )

    await system.publish_many(
        [
            session(a_cells[0], "regular", 3),
            session(a_cells[0], "thematic", 2),
            session(b_cells[0], "regular", 3),
            honor("h1", a_cells[0], "cell", "2026-03"),
            honor("h2", a, "grassroots", "2026-H1"),
            honor("h3", a_cells[1], "cell", "2026-03"),
            event(
                HonorRevoked(
                    subject=subject,
                    honor_id="h3",
                    recording_unit_id=a_cells[1].unit_id,
                    level="cell",
                    period="2026-03",
                    reason="Vi phạm",
                    revoked_by="honors",
                ),
                path_a1,
            ),
            *[
                event(
                    CommitmentFiled(
                        commitment_id=f"k{m.member_id}", member_id=m.member_id, cell_id=m.cell_id, year=2026
                    ),
                    path_a2,
                )
                for m in filers
            ],
        ]
    )
    await applied(
        projections, {"SessionHeld": 3, "HonorRecorded": 3, "HonorRevoked": 1, "CommitmentFiled": len(filers)}
    )

    missing = await get(projections, system, "/units/lc/compliance/missing-regular-sessions", month="2026-03")
    assert missing["total"] == 4
    assert {i["unit_id"] for i in missing["items"]} == {c.unit_id for c in a_cells[1:] + b_cells[1:]}
    in_a = await get(projections, system, f"/units/{a.unit_id}/compliance/missing-regular-sessions", month="2026-03")
    assert [i["unit_id"] for i in in_a["items"]] == [c.unit_id for c in a_cells[1:]]
    paged = await get(projections, system, "/units/lc/compliance/missing-regular-sessions", month="2026-03", limit=3)
    assert len(paged["items"]) == 3 and paged["next"] == 3 and paged["total"] == 4

    thematic = await get(projections, system, "/units/lc/compliance/missing-thematic-sessions", quarter="2026-Q1")
    assert thematic["total"] == 5 and a_cells[0].unit_id not in {i["unit_id"] for i in thematic["items"]}

    monthly = await get(projections, system, "/units/lc/compliance/missing-honor-roll", period="2026-03")
    assert monthly["levels"] == ["cell"] and monthly["total"] == 5  # the revoked honor does not count
    half = await get(projections, system, "/units/lc/compliance/missing-honor-roll", period="2026-H1")
    assert [i["unit_id"] for i in half["items"]] == [b.unit_id]

    owing = await get(projections, system, "/units/lc/compliance/members-without-commitment", year=2026, limit=1000)
    ids = [i["member_id"] for i in owing["items"]]
    assert "x-new" not in ids and "x-exempt" not in ids
    assert not {m.member_id for m in filers} & set(ids)
    assert owing["total"] == len(tree.members) + 4 - len(filers) - sum(
        1 for m in tree.members if m.status != "active" or m.admitted_on > date(2025, 6, 30)
    )
    named = [i["full_name"] for i in owing["items"] if i["member_id"].startswith("x-")]
    assert named == ["Lê Văn Anh", "Phạm Thị Ánh", "Trần Thị Dung", "Nguyễn Văn Đức"]

    report = await get(projections, system, "/units/lc/report", period="2026")
    assert "2 lượt đảng viên đăng ký cam kết (2 đảng viên)" in report["narrative"]
    assert report["figures"]["honors"] == 2 and report["figures"]["honors_revoked"] == 1
    xlsx = await projections.client.get(
        "/units/lc/report.xlsx", params={"period": "2026"}, headers=system.token("tinh-uy", "committee", "lc")
    )
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == [
        "Tổng hợp",
        "Báo cáo",
        "Đối chiếu",
        "Chuyên đề",
        "Đơn vị trực thuộc",
        "Tỉnh",
        "Cơ sở",
        "Chi bộ",
    ]
    assert [row[0].value for row in book["Báo cáo"].iter_rows()] == report["narrative"].split("\n\n")
    assert len(book["Đơn vị trực thuộc"]._charts) == 1
    header = [c.value for c in book["Chi bộ"][2]]
    rows = {r[0].value: r for r in book["Chi bộ"].iter_rows(min_row=3)}
    assert rows[a_cells[1].unit_id][header.index("Đăng ký cam kết (lượt)")].value == 2  # filed in that cell
    bad = await projections.client.get(
        "/units/lc/report", params={"period": "2026..2025"}, headers=system.token("tinh-uy", "committee", "lc")
    )
    assert bad.status_code == 422 and "period" in bad.text and "run forward" in bad.text

    outsider = await projections.client.get(
        "/units/lc/compliance/missing-regular-sessions",
        params={"month": "2026-03"},
        headers=system.token("x", "committee", b.unit_id),
    )
    assert outsider.status_code == 403


async def test_two_communes_merge_and_figures_keep_their_history(system, tree, projections):
    (a, a_cells), (b, b_cells) = cells_of(tree, 0), cells_of(tree, 1)
    member_a = next(m for m in tree.members if m.cell_id == a_cells[0].unit_id)
    member_b = next(m for m in tree.members if m.cell_id == b_cells[0].unit_id)

    def filed(m, year, path):
        return event(
            CommitmentFiled(
                commitment_id=f"k-{m.member_id}-{year}", member_id=m.member_id, cell_id=m.cell_id, year=year
            ),
            path,
        )

    await system.publish_many(
        [
            filed(member_a, 2025, tree.unit_path(a_cells[0].unit_id)),
            filed(member_b, 2025, tree.unit_path(b_cells[0].unit_id)),
        ]
    )
    await eventually(lambda: _equals(figure(projections, system, "lc", "commitments_filed", "2025"), 2))

    merged = OrgUnitRegistered(
        unit_id="lc-x-moi", name="Đảng bộ xã Hợp Nhất", level="grassroots", parent_id="lc", commune="Xã Hợp Nhất"
    )
    reorganisation = [event(merged, ["lc", "lc-x-moi"])]
    for old in (a, b):
        reorganisation.append(
            event(old.model_copy(update={"dissolved": True, "merged_into": "lc-x-moi"}), ["lc", old.unit_id])
        )
    for cell in a_cells + b_cells:
        reorganisation.append(
            event(cell.model_copy(update={"parent_id": "lc-x-moi"}), ["lc", "lc-x-moi", cell.unit_id])
        )
    await system.publish_many(reorganisation)
    await eventually(
        lambda: projections.runtime.pool.fetchval(
            "SELECT count(*) FILTER (WHERE merged_into = 'lc-x-moi') = 2"
            " AND count(*) FILTER (WHERE parent_id = 'lc-x-moi')"
            " = $1 FROM directory_units",
            len(a_cells + b_cells),
        )
    )
    await system.publish_many([filed(member_a, 2026, ["lc", "lc-x-moi", a_cells[0].unit_id])])
    await eventually(lambda: figure(projections, system, "lc-x-moi", "commitments_filed", "2026"))

    assert await figure(projections, system, a.unit_id, "commitments_filed", "2025") == 1  # history stays put
    assert await figure(projections, system, "lc-x-moi", "commitments_filed", "2025") == 0
    current = await get(projections, system, "/units/lc-x-moi/figures", period="2025", structure="current")
    assert current["figures"]["commitments_filed"] == 2
    assert set(current["merged_units"]) == {"lc-x-moi", a.unit_id, b.unit_id}
    now = await get(projections, system, "/units/lc-x-moi/figures", period="2026", structure="current")
    assert now["figures"]["commitments_filed"] == 1
    assert {c["unit_id"] for c in now["children"]} == {c.unit_id for c in a_cells + b_cells}
    assert await figure(projections, system, "lc", "commitments_filed", "2025") == 2
    # Over the span, across the merger: member A filed in both years (two "lượt", one "người").
    span = await get(projections, system, "/units/lc-x-moi/report", period="2025..2026", structure="current")
    assert (span["figures"]["commitments_filed"], span["figures"]["members_filed"]) == (3, 2)
    assert "3 lượt đảng viên đăng ký cam kết (2 đảng viên)" in span["narrative"]
    assert (span["latest"]["figures"]["commitments_filed"], span["previous"]["figures"]["commitments_filed"]) == (1, 2)
    assert "So sánh năm 2026 với năm 2025: lượt đăng ký cam kết: 1, giảm 1 (50,0 %)" in span["narrative"]
    xlsx = await projections.client.get(
        "/units/lc/report.xlsx", params={"period": "2025..2026"}, headers=system.token("tinh-uy", "committee", "lc")
    )
    assert xlsx.status_code == 200 and 'filename="bao-cao-lc-2025_2026.xlsx"' in xlsx.headers["content-disposition"]
    summary = {
        row[1]: row[2:5] for row in load_workbook(io.BytesIO(xlsx.content))["Tổng hợp"].iter_rows(values_only=True)
    }
    assert summary["commitments_filed"] == (3, 1, 2) and summary["members_filed"] == (2, 1, 2)  # span, 2026, 2025
    historical = await get(projections, system, f"/units/{a.unit_id}/figures", period="2025..2026")
    assert (historical["figures"]["commitments_filed"], historical["figures"]["members_filed"]) == (1, 1)


async def _equals(value, expected) -> bool:
    return await value == expected


async def test_a_revocation_ahead_of_its_honor_keeps_the_honor_out(system, tree, projections):
    # The HonorRecorded was dead-lettered and replayed later, so it arrives after its revocation.
    member = tree.members[1]
    path = tree.unit_path(member.cell_id)
    subject = HonorSubject(kind="member", id=member.member_id, name=member.full_name)
    common = dict(subject=subject, honor_id="h-late", recording_unit_id=member.cell_id, level="cell", period="2026-02")
    await system.publish_many(
        [
            event(HonorRevoked(**common, reason="Vi phạm", revoked_by="honors"), path),
            event(HonorRecorded(**common, deed="Gương mẫu", proposed_by="x", approved_by="y"), path),
        ]
    )
    await eventually(lambda: figure(projections, system, "lc", "honors_revoked", "2026-02"))
    await eventually(
        lambda: projections.runtime.pool.fetchval(
            "SELECT count(*) = 2 FROM inbox WHERE event_type IN ('HonorRecorded', 'HonorRevoked')"
        )
    )
    assert await figure(projections, system, "lc", "honors", "2026-02") == 0
    assert await figure(projections, system, member.cell_id, "honors_revoked", "2026") == 1
