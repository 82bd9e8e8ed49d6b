"""Every commitments command over HTTP: its event on the topic with the full envelope, and the figures move."""

import pytest

from neuguong.periods import today_local
from schemas import decode, encode, wrap
from schemas.inspections import DisciplineImposed, Target
from schemas.topics import COMMITMENTS, INSPECTIONS, SESSIONS
from tests.integration.flows import assert_envelope, directory_loaded, figure, post
from tests.integration.harness import eventually

YEAR = 2026


@pytest.fixture
async def services(system, small_directory):
    async with system.service("commitments") as commitments, system.service("projections") as projections:
        await system.import_directory(small_directory)
        await directory_loaded(commitments, small_directory)
        await directory_loaded(projections, small_directory)
        yield commitments, projections


def cell_of(directory, index: int = 0):
    member = directory.members[index]
    mates = [m.member_id for m in directory.members if m.cell_id == member.cell_id]
    return member, mates


async def test_the_whole_lifecycle_of_a_commitment_and_a_session(system, small_directory, services):
    commitments, projections = services
    member, mates = cell_of(small_directory)
    path = small_directory.unit_path(member.cell_id)
    me = system.token(member.member_id, "member", member.cell_id)
    secretary = system.token("bi-thu", "cell_secretary", member.cell_id)

    filed = await post(
        commitments,
        "/commitments",
        {
            "member_id": member.member_id,
            "year": YEAR,
            "limitations": ["Chưa mạnh dạn phê bình"],
            "plan": [
                {"title": "Hướng dẫn 5 hộ làm kinh tế vườn", "deadline": f"{YEAR}-09-30"},
                {"title": "Tham gia đầy đủ sinh hoạt chi bộ", "deadline": f"{YEAR}-12-31"},
            ],
            "targets": {"ethics_lifestyle": "Giữ gìn phẩm chất, lối sống"},
        },
        me,
        correlation="corr-file",
    )
    assert filed.status_code == 201, filed.text
    commitment_id = filed.json()["commitment_id"]
    assert [p["item_id"] for p in filed.json()["plan"]] == ["p1", "p2"]

    amended = await post(
        commitments,
        f"/commitments/{commitment_id}/amendments",
        {
            "reason": "Chi bộ giao thêm nhiệm vụ",
            "base_version": 1,
            "limitations": ["Chưa mạnh dạn phê bình"],
            "plan": [
                {"title": "Hướng dẫn 8 hộ làm kinh tế vườn", "deadline": f"{YEAR}-10-31"},
                {"title": "Tham gia đầy đủ sinh hoạt chi bộ", "deadline": f"{YEAR}-12-31"},
            ],
        },
        me,
    )
    assert amended.status_code == 201 and amended.json()["version"] == 2, amended.text
    stale = await post(
        commitments, f"/commitments/{commitment_id}/amendments", {"reason": "Sửa lại", "base_version": 1}, me
    )
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "base_version"

    reflected = await post(
        commitments,
        f"/commitments/{commitment_id}/self-reflections",
        {
            "month": f"{YEAR}-05",
            "items_reviewed": [{"item_id": "p1", "progress": "Đã hướng dẫn 3 hộ"}],
            "note": "Cần cố gắng hơn",
        },
        me,
    )
    assert reflected.status_code == 201, reflected.text
    again = await post(commitments, f"/commitments/{commitment_id}/self-reflections", {"month": f"{YEAR}-05"}, me)
    assert again.status_code == 409 and again.json()["existing"]["note"] == "Cần cố gắng hơn"

    reported = await post(
        commitments,
        f"/commitments/{commitment_id}/report",
        {
            "results": [
                {"item_id": "p1", "done": True, "on_time": True},
                {"item_id": "p2", "done": True, "on_time": True},
            ],
            "all_limitations_remedied": True,
            "self_rating": "excellent",
            "summary": "Hoàn thành xuất sắc",
        },
        me,
    )
    assert reported.status_code == 201 and reported.json()["on_time_percent"] == 100, reported.text

    by_member = await post(commitments, f"/commitments/{commitment_id}/rating", {"rating": "excellent"}, me)
    assert by_member.status_code == 403
    rated = await post(
        commitments, f"/commitments/{commitment_id}/rating", {"rating": "excellent", "reason": "Gương mẫu"}, secretary
    )
    assert rated.status_code == 201, rated.text

    session = await post(
        commitments,
        "/sessions",
        {
            "cell_id": member.cell_id,
            "held_on": f"{YEAR}-05-05",
            "month": f"{YEAR}-05",
            "kind": "regular",
            "topic_title": "Học tập phong cách dân chủ của Bác",
            "present": mates[:-1],
            "absent": mates[-1:],
            "praised": [{"member_id": member.member_id, "reason": "Vận động nhân dân hiến đất"}],
        },
        secretary,
    )
    assert session.status_code == 201, session.text
    session_id = session.json()["session_id"]
    amended_session = await post(
        commitments,
        f"/sessions/{session_id}/amendments",
        {
            "held_on": f"{YEAR}-05-05",
            "month": f"{YEAR}-05",
            "kind": "regular",
            "reason": "Bổ sung người có mặt",
            "topic_title": "Học tập phong cách dân chủ của Bác",
            "present": mates,
        },
        secretary,
    )
    assert amended_session.status_code == 201 and amended_session.json()["revision"] == 2, amended_session.text
    thematic = await post(
        commitments,
        "/sessions",
        {
            "cell_id": member.cell_id,
            "held_on": f"{YEAR}-05-19",
            "month": f"{YEAR}-05",
            "kind": "thematic",
            "topic_title": "Chuyên đề: nêu gương của cán bộ, đảng viên",
            "present": mates,
        },
        secretary,
    )
    assert thematic.status_code == 201, thematic.text

    records = await system.read_topic(COMMITMENTS.name, at_least=5)
    kinds = [decode(r.value).event_type for r in records]
    assert kinds == [
        "CommitmentFiled",
        "CommitmentAmended",
        "SelfReflectionRecorded",
        "CommitmentReported",
        "CommitmentRated",
    ]
    first = assert_envelope(
        records[0],
        producer="commitments",
        event_type="CommitmentFiled",
        actor=member.member_id,
        unit_path=path,
        correlation_id="corr-file",
        key=member.member_id,
    )
    assert first.payload["plan"][0]["title"] == "Hướng dẫn 5 hộ làm kinh tế vườn"
    assert decode(records[1].value).payload["revision"] == 2
    assert_envelope(
        records[4],
        producer="commitments",
        event_type="CommitmentRated",
        actor="bi-thu",
        unit_path=path,
        correlation_id=decode(records[4].value).correlation_id,
        key=member.member_id,
    )
    overview = (
        await commitments.client.get(f"/cells/{member.cell_id}/sessions", params={"year": YEAR}, headers=secretary)
    ).json()
    today = today_local()
    ended = 12 if today.year > YEAR else today.month - 1  # the running month has not been missed yet
    assert overview["missing_regular"] == [f"{YEAR}-{m:02d}" for m in range(1, ended + 1) if m != 5]
    assert overview["missing_thematic"] == [f"{YEAR}-Q{q}" for q in range(1, ended // 3 + 1) if q != 2]
    assert [s["kind"] for s in overview["sessions"]] == ["regular", "thematic"]
    session_records = await system.read_topic(SESSIONS.name, at_least=3)
    assert [decode(r.value).event_type for r in session_records] == ["SessionHeld", "SessionAmended", "SessionHeld"]
    assert all(r.key == member.cell_id.encode() for r in session_records)

    expected = {
        ("commitments_filed", str(YEAR)): 1,
        ("self_reflections", f"{YEAR}-05"): 1,
        ("self_reflections", f"{YEAR}-Q2"): 1,
        ("commitment_reports", str(YEAR)): 1,
        ("commitments_rated", str(YEAR)): 1,
        ("rating_excellent", str(YEAR)): 1,
        ("sessions_regular", f"{YEAR}-05"): 1,
        ("sessions_regular", str(YEAR)): 1,
        ("sessions_thematic", f"{YEAR}-Q2"): 1,
    }

    async def figures_match() -> bool:
        for (name, period), value in expected.items():
            if await figure(projections, system, "lc", name, period) != value:
                return False
        return True

    await eventually(figures_match)
    for unit_id in path:
        assert await figure(projections, system, unit_id, "sessions_regular", f"{YEAR}-05") == 1

    history = (await commitments.client.get(f"/members/{member.member_id}/commitments", headers=me)).json()
    (entry,) = history["commitments"]
    assert [v["version"] for v in entry["versions"]] == [1, 2]
    assert entry["versions"][0]["plan"][0]["title"] == "Hướng dẫn 5 hộ làm kinh tế vườn"
    assert entry["self_reflections"][0]["month"] == f"{YEAR}-05"
    assert entry["report"]["on_time_percent"] == 100 and entry["rating"]["rating"] == "excellent"

    # A discipline concluded later in the year forces not_completed, and the figures follow.
    discipline = wrap(
        DisciplineImposed(
            target=Target(kind="member", id=member.member_id),
            discipline_id="kl-001",
            measure="reprimand",
            decided_on=f"{YEAR}-11-02",
            reason="Vi phạm quy chế",
            decided_by_unit=path[1],
        ),
        producer="inspections",
        actor="uy-ban-kiem-tra",
        unit_path=path,
        correlation_id="corr-kl",
    )
    await system.publish_raw(INSPECTIONS.name, encode(discipline), member.member_id.encode())
    forced = (await system.read_topic(COMMITMENTS.name, at_least=6))[5]
    forced_envelope = decode(forced.value)
    assert forced_envelope.payload["rating"] == "not_completed"
    assert forced_envelope.payload["forced_by_discipline"] == "kl-001"
    assert forced_envelope.causation_id == str(discipline.event_id)
    assert forced_envelope.correlation_id == "corr-kl"

    async def rerated() -> bool:
        return (
            await figure(projections, system, "lc", "rating_not_completed", str(YEAR)) == 1
            and await figure(projections, system, "lc", "rating_excellent", str(YEAR)) == 0
        )

    await eventually(rerated)
    assert await figure(projections, system, "lc", "commitments_rated", str(YEAR)) == 1
    blocked = await post(commitments, f"/commitments/{commitment_id}/rating", {"rating": "good"}, secretary)
    assert blocked.status_code == 422 and "kl-001" in blocked.json()["errors"][0]["reason"]


async def test_subtree_listing_pages_and_counts(system, small_directory, services):
    commitments, _ = services
    committee = system.token("tinh-uy", "committee", "lc")
    members = small_directory.members[:7]
    for m in members:
        reply = await post(commitments, "/commitments", {"member_id": m.member_id, "year": YEAR}, committee)
        assert reply.status_code == 201, reply.text
    seen, after = [], ""
    while True:
        page = (
            await commitments.client.get(
                "/units/lc/commitments", params={"year": YEAR, "limit": 3, "after": after}, headers=committee
            )
        ).json()
        assert page["total"] == 7
        seen += [item["member_id"] for item in page["items"]]
        if page["next"] is None:
            break
        after = page["next"]
    assert sorted(seen) == sorted(m.member_id for m in members)
    cell = members[0].cell_id
    in_cell = (
        await commitments.client.get(f"/units/{cell}/commitments", params={"year": YEAR}, headers=committee)
    ).json()
    assert in_cell["total"] == sum(1 for m in members if m.cell_id == cell)
    outsider = system.token("x", "committee", small_directory.unit_path(members[-1].cell_id)[1])
    other_commune = next(
        u.unit_id
        for u in small_directory.units
        if u.level == "grassroots" and u.unit_id != small_directory.unit_path(members[-1].cell_id)[1]
    )
    assert (
        await commitments.client.get(f"/units/{other_commune}/commitments", params={"year": YEAR}, headers=outsider)
    ).status_code == 403
