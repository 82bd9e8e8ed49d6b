"""services/inspections over HTTP on the real broker and database: every command's event with its full
envelope, conclusions once, reads by subtree, target and period, and refusals that write nothing."""

import pytest

from neuguong.periods import today_local
from schemas import decode
from schemas.topics import INSPECTIONS
from tests.integration.flows import assert_envelope, directory_loaded, post


@pytest.fixture
async def inspections(system, small_directory):
    async with system.service("inspections") as service:
        await system.import_directory(small_directory)
        await directory_loaded(service, small_directory)
        yield service


def two_communes(directory):
    """A member, their commune, and a member of another commune."""
    member = directory.members[0]
    commune = directory.unit_path(member.cell_id)[1]
    other = next(m for m in directory.members if directory.unit_path(m.cell_id)[1] != commune)
    return member, commune, other


def opening(target_kind, target_id, **changes):
    return {
        "kind": "inspection",
        "target": {"kind": target_kind, "id": target_id},
        "topic_title": "Kiểm tra việc thực hiện cam kết nêu gương",
        "period": str(today_local().year),
        **changes,
    }


async def test_open_conclude_and_discipline_publish_full_envelopes(system, small_directory, inspections):
    member, commune, _ = two_communes(small_directory)
    path = small_directory.unit_path(member.cell_id)
    inspector = system.token("ubkt-xa", "inspector", commune)

    opened = await post(inspections, "/inspections", opening("member", member.member_id), inspector, "corr-open")
    assert opened.status_code == 201, opened.text
    inspection_id = opened.json()["inspection_id"]
    assert opened.json()["status"] == "open" and opened.json()["committee_unit_id"] == commune
    supervision = await post(
        inspections,
        "/inspections",
        opening(
            "unit",
            commune,
            kind="supervision",
            topic_title="Giám sát sinh hoạt chi bộ",
            period=f"{today_local().year}-H1",
        ),
        system.token("ubkt-tinh", "committee", "lc"),
    )
    assert supervision.status_code == 201, supervision.text

    concluded = await post(
        inspections,
        f"/inspections/{inspection_id}/conclusion",
        {
            "conclusion": "violation",
            "summary": "Vi phạm quy định về những điều đảng viên không được làm",
            "recommendations": ["Kiểm điểm trước chi bộ", "Đề nghị xem xét kỷ luật"],
        },
        inspector,
        "corr-conclude",
    )
    assert concluded.status_code == 201, concluded.text
    assert concluded.json()["conclusion"] == "violation" and concluded.json()["status"] == "concluded"

    disciplined = await post(
        inspections,
        "/disciplines",
        {
            "target": {"kind": "member", "id": member.member_id},
            "measure": "warning",
            "reason": "Vi phạm quy định nêu gương",
            "inspection_id": inspection_id,
        },
        inspector,
        "corr-kl",
    )
    assert disciplined.status_code == 201, disciplined.text
    assert disciplined.json()["decided_by_unit"] == commune

    records = await system.read_topic(INSPECTIONS.name, at_least=4)
    mine = [r for r in records if r.key == member.member_id.encode()]
    assert [decode(r.value).event_type for r in mine] == [
        "InspectionOpened",
        "InspectionConcluded",
        "DisciplineImposed",
    ]
    first = assert_envelope(
        mine[0],
        producer="inspections",
        event_type="InspectionOpened",
        actor="ubkt-xa",
        unit_path=path,
        correlation_id="corr-open",
        key=member.member_id,
    )
    assert first.payload["topic_title"] == "Kiểm tra việc thực hiện cam kết nêu gương"
    assert first.payload["target"] == {"kind": "member", "id": member.member_id}
    second = assert_envelope(
        mine[1],
        producer="inspections",
        event_type="InspectionConcluded",
        actor="ubkt-xa",
        unit_path=path,
        correlation_id="corr-conclude",
        key=member.member_id,
    )
    assert second.payload["recommendations"] == ["Kiểm điểm trước chi bộ", "Đề nghị xem xét kỷ luật"]
    third = assert_envelope(
        mine[2],
        producer="inspections",
        event_type="DisciplineImposed",
        actor="ubkt-xa",
        unit_path=path,
        correlation_id="corr-kl",
        key=member.member_id,
    )
    assert third.payload["inspection_id"] == inspection_id and third.payload["measure"] == "warning"
    (unit_record,) = [r for r in records if r.key == commune.encode()]
    assert_envelope(
        unit_record,
        producer="inspections",
        event_type="InspectionOpened",
        actor="ubkt-tinh",
        unit_path=["lc", commune],
        correlation_id=decode(unit_record.value).correlation_id,
        key=commune,
    )


async def test_a_conclusion_is_given_once_and_only_to_a_known_inspection(system, small_directory, inspections):
    member, commune, _ = two_communes(small_directory)
    inspector = system.token("ubkt-xa", "inspector", commune)
    opened = await post(inspections, "/inspections", opening("member", member.member_id), inspector)
    inspection_id = opened.json()["inspection_id"]
    body = {"conclusion": "compliant", "summary": "Thực hiện tốt"}
    assert (await post(inspections, f"/inspections/{inspection_id}/conclusion", body, inspector)).status_code == 201
    again = await post(
        inspections,
        f"/inspections/{inspection_id}/conclusion",
        {"conclusion": "violation", "summary": "Kết luận lại"},
        inspector,
    )
    assert again.status_code == 409, again.text
    assert again.json()["existing"]["conclusion"] == "compliant"
    unknown = await post(inspections, "/inspections/kt-khong-co/conclusion", body, inspector)
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "inspection_id"
    no_basis = await post(
        inspections,
        "/disciplines",
        {
            "target": {"kind": "member", "id": member.member_id},
            "measure": "reprimand",
            "reason": "Vi phạm",
            "inspection_id": inspection_id,
        },
        inspector,
    )
    assert no_basis.status_code == 422 and "found no violation" in no_basis.json()["errors"][0]["reason"]
    records = await system.read_topic(INSPECTIONS.name, at_least=2)
    assert [decode(r.value).event_type for r in records] == ["InspectionOpened", "InspectionConcluded"]


async def outbox_size(service) -> int:
    return await service.runtime.pool.fetchval("SELECT count(*) FROM outbox")


async def test_refusals_write_nothing(system, small_directory, inspections):
    member, commune, other = two_communes(small_directory)
    inspector = system.token("ubkt-xa", "inspector", commune)
    cases = [
        (inspector, "/inspections", opening("member", other.member_id), 403, "unit"),
        (
            inspector,
            "/disciplines",
            {"target": {"kind": "member", "id": other.member_id}, "measure": "warning", "reason": "Vi phạm"},
            403,
            "unit",
        ),
        (
            system.token("bi-thu", "cell_secretary", member.cell_id),
            "/inspections",
            opening("member", member.member_id),
            403,
            "role",
        ),
        (
            system.token(member.member_id, "member", member.cell_id),
            "/inspections",
            opening("member", member.member_id),
            403,
            "role",
        ),
        (
            inspector,
            "/inspections",
            opening("member", member.member_id, committee_unit_id="lc"),
            422,
            "committee_unit_id",
        ),
        (inspector, "/inspections", opening("member", "lc-x99999-c01-m001"), 422, "target.id"),
        (
            inspector,
            "/inspections",
            opening("member", member.member_id, period=f"{today_local().year + 1}"),
            422,
            "period",
        ),
        (
            inspector,
            "/disciplines",
            {"target": {"kind": "unit", "id": member.cell_id}, "measure": "expulsion", "reason": "Vi phạm"},
            422,
            "measure",
        ),
        ({}, "/inspections", opening("member", member.member_id), 401, "authorization"),
    ]
    for token, path, body, status, field in cases:
        reply = await post(inspections, path, body, token)
        assert reply.status_code == status, (path, body, reply.text)
        assert reply.json()["errors"][0]["field"] == field, reply.text
    assert await outbox_size(inspections) == 0
    assert await inspections.runtime.pool.fetchval("SELECT count(*) FROM inspections") == 0
    assert await inspections.runtime.pool.fetchval("SELECT count(*) FROM disciplines") == 0


async def test_reads_by_subtree_target_and_period_with_paging(system, small_directory, inspections):
    member, commune, other = two_communes(small_directory)
    province = system.token("ubkt-tinh", "inspector", "lc")
    year = today_local().year
    targets = [("member", m.member_id) for m in small_directory.members[:5]] + [("member", other.member_id)]
    for i, (kind, target_id) in enumerate(targets):
        period = f"{year}-H1" if i % 2 else f"{year - 1}"
        reply = await post(inspections, "/inspections", opening(kind, target_id, period=period), province)
        assert reply.status_code == 201, reply.text

    async def pages(params, token=province):
        seen, after = [], ""
        while True:
            reply = await inspections.client.get(
                "/inspections", params={**params, "limit": 2, "after": after}, headers=token
            )
            assert reply.status_code == 200, reply.text
            seen += reply.json()["items"]
            if reply.json()["next"] is None:
                return seen
            after = reply.json()["next"]

    assert len(await pages({})) == 6
    in_commune = await pages({"unit_id": commune})
    assert {i["target"]["id"] for i in in_commune} == {
        m.member_id for m in small_directory.members[:5] if small_directory.unit_path(m.cell_id)[1] == commune
    }
    assert [i["target"]["id"] for i in await pages({"target_id": member.member_id})] == [member.member_id]
    assert len(await pages({"period": f"{year}"})) == 3  # the H1 ones overlap the year
    assert len(await pages({"period": f"{year - 1}-Q4"})) == 3
    assert len(await pages({"status": "concluded"})) == 0
    outsider = system.token("ubkt-xa", "inspector", commune)
    other_commune = small_directory.unit_path(other.cell_id)[1]
    refused = await inspections.client.get("/inspections", params={"unit_id": other_commune}, headers=outsider)
    assert refused.status_code == 403


async def test_only_the_opening_committee_or_one_above_it_concludes(system, small_directory, inspections):
    member, commune, _ = two_communes(small_directory)
    cell = member.cell_id
    province = system.token("ubkt-tinh", "inspector", "lc")
    opened = await post(inspections, "/inspections", opening("member", member.member_id), province)
    assert opened.status_code == 201, opened.text
    inspection_id = opened.json()["inspection_id"]
    body = {"conclusion": "compliant", "summary": "Thực hiện tốt"}
    for token in (system.token("ubkt-xa", "inspector", commune), system.token("chi-uy", "committee", cell)):
        refused = await post(inspections, f"/inspections/{inspection_id}/conclusion", body, token)
        assert refused.status_code == 403, refused.text
        assert "only lc or a committee above it" in refused.json()["detail"]
    assert await outbox_size(inspections) == 1  # only the opening
    concluded = await post(
        inspections,
        f"/inspections/{inspection_id}/conclusion",
        {"conclusion": "violation", "summary": "Vi phạm"},
        province,
    )
    assert concluded.status_code == 201, concluded.text
