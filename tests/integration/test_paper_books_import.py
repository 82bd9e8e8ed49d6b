"""The paper books brought in from spreadsheets through the services' batch endpoints: the cell session
book and the honor roll. Bad rows are listed with their row numbers, reruns add nothing, the eligibility
gate's refusals come back as bad rows with its reasons, and requests are sized to the body limit."""

from datetime import UTC, date, datetime

import httpx
import pytest

from neuguong.runtime.clock import FixedClock
from ops.failures import Failure
from ops.importer.honors import import_honors
from ops.importer.sessions import import_sessions
from schemas import encode, wrap
from schemas.inspections import InspectionConcluded, InspectionOpened, Target
from tests.integration.flows import applied, directory_loaded
from tests.workbooks import write

JUNE = FixedClock(datetime(2026, 6, 15, 2, 0, tzinfo=UTC))
SESSION_HEADER = ["Mã chi bộ", "Ngày sinh hoạt", "Loại sinh hoạt", "Chủ đề", "Có mặt", "Vắng mặt", "Biểu dương"]
HONOR_HEADER = ["Đối tượng", "Mã đảng viên hoặc tổ chức", "Kỳ ghi danh", "Việc làm tốt", "Người đề xuất",
                "Cấp phê duyệt", "Đồng ý công khai tên"]  # fmt: skip
TOPIC = "Học tập và làm theo phong cách dân chủ của Bác"


def client_of(service, system, token, seen: list | None = None) -> httpx.AsyncClient:
    hooks = {"response": [lambda reply: _seen(seen, reply)]} if seen is not None else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=service.app),
        base_url="http://service",
        headers=token,
        timeout=60,
        event_hooks=hooks,
    )


async def _seen(seen: list, reply: httpx.Response) -> None:
    seen.append(reply.status_code)


def cells(directory):
    cell_a, cell_b = [u.unit_id for u in directory.units if u.level == "cell"][:2]
    of = {cell: [m.member_id for m in directory.members if m.cell_id == cell] for cell in (cell_a, cell_b)}
    return cell_a, cell_b, of


@pytest.fixture
async def commitments(system, small_directory):
    async with system.service("commitments", clock=JUNE, max_body_bytes=1500) as service:
        await system.import_directory(small_directory)
        await directory_loaded(service, small_directory)
        yield service


async def test_a_session_book_with_bad_rows_then_again(system, small_directory, commitments, tmp_path):
    a, b, members = cells(small_directory)
    commune = small_directory.unit_path(a)[1]
    rows = [
        [a, "05/03/2026", "Thường kỳ", TOPIC, f"{members[a][0]}, {members[a][1]}", members[a][2], ""],  # 2
        [a, "20/03/2026", "Chuyên đề", "Chuyên đề quý I", "", "", f"{members[a][0]}: Gương mẫu hiến đất"],  # 3
        [b, "2026-03-06", "thường kỳ", TOPIC, "", "", ""],  # 4
        [a, "32/03/2026", "Thường kỳ", TOPIC, "", "", ""],  # 5: not a date
        [a, "05/03/2026", "Thường kỳ", "Chép lại", "", "", ""],  # 6: row 2 again
        [b, "06/04/2026", "họp", TOPIC, "", "", ""],  # 7: not a kind of session
        ["lc-khong-co", "06/04/2026", "Thường kỳ", TOPIC, "", "", ""],  # 8: unknown cell
        [a, "01/07/2026", "Thường kỳ", TOPIC, "", "", ""],  # 9: in the future
        [b, "07/04/2026", "Thường kỳ", TOPIC, members[a][0], "", ""],  # 10: someone of another cell
        [a, "", "Thường kỳ", TOPIC, "", "", ""],  # 11: no date
    ]
    path = write(tmp_path / "so-sinh-hoat.xlsx", SESSION_HEADER, rows)
    token = system.token("dang-uy", "committee", commune)
    seen: list[int] = []
    async with client_of(commitments, system, token, seen) as client:
        first = await import_sessions(path, client, max_bytes=4000)
    assert (first.created, first.existing) == (3, 0)
    assert [(line, field) for line, field, _ in first.bad] == [
        (5, "Ngày sinh hoạt"),
        (6, "Mã chi bộ"),
        (7, "Loại sinh hoạt"),
        (8, "cell_id"),
        (9, "held_on"),
        (10, "present"),
        (11, "Ngày sinh hoạt"),
    ]
    reasons = dict((line, reason) for line, _, reason in first.bad)
    assert "dòng 2" in reasons[6] and "unknown cell" in reasons[8] and members[a][0] in reasons[10]
    assert 413 in seen and seen[-1] == 200  # the service's limit is lower than the importer's: requests split

    async with client_of(commitments, system, token) as client:
        again = await import_sessions(path, client)
    assert (again.created, again.existing, again.bad) == (0, 3, first.bad)
    pool = commitments.runtime.pool
    assert await pool.fetchval("SELECT count(*) FROM sessions") == 3
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 3

    outsider = system.token("x", "cell_secretary", b)
    async with client_of(commitments, system, outsider) as client:
        with pytest.raises(Failure, match="token không được làm việc này"):
            await import_sessions(path, client)
    assert await pool.fetchval("SELECT count(*) FROM sessions") == 3


async def test_a_session_book_names_topics_of_the_catalogue(system, small_directory, commitments, tmp_path):
    a, b, _ = cells(small_directory)
    commune = small_directory.unit_path(a)[1]
    token = system.token("dang-uy", "committee", commune)
    async with client_of(commitments, system, token) as client:
        issued = await client.post(
            "/topics",
            json={"topic_id": "cd-2026-02", "year": 2026, "title": "Nêu gương ở cơ sở", "issuing_unit_id": commune},
            headers={"Idempotency-Key": "topic-cd-2026-02"},
        )
        assert issued.status_code == 201, issued.text
        header = ["Mã chi bộ", "Ngày sinh hoạt", "Loại sinh hoạt", "Chủ đề", "Mã chuyên đề"]
        rows = [
            [a, "20/03/2026", "Chuyên đề", "Nêu gương ở cơ sở", "cd-2026-02"],  # 2
            [b, "21/03/2026", "Chuyên đề", "Chuyên đề quý I", ""],  # 3: no topic of the catalogue
            [b, "22/03/2026", "Chuyên đề", "Chuyên đề quý I", "cd-khong-co"],  # 4: not in the catalogue
            [b, "05/03/2026", "Thường kỳ", TOPIC, "cd-2026-02"],  # 5: a regular session takes up no topic
        ]
        report = await import_sessions(write(tmp_path / "so-chuyen-de.xlsx", header, rows), client)
    assert report.created == 2
    assert [(line, field) for line, field, _ in report.bad] == [(4, "topic_id"), (5, "topic_id")]
    topics = await commitments.runtime.pool.fetch(
        "SELECT content->>'topic_id' AS topic_id FROM sessions ORDER BY held_on"
    )
    assert [r["topic_id"] for r in topics] == ["cd-2026-02", None]


def inspection(member_id, path):
    target = Target(kind="member", id=member_id)
    common = dict(target=target, inspection_id="kt-9", kind="inspection", period="2025")
    events = [
        InspectionOpened(**common, topic_title="Kiểm tra", committee_unit_id=path[1], opened_on=date(2026, 5, 4)),
        InspectionConcluded(**common, conclusion="violation", summary="Vi phạm", concluded_on=date(2026, 6, 1)),
    ]
    return [
        (
            e.topic,
            e.key().encode(),
            encode(wrap(e, producer="inspections", actor="ubkt", unit_path=path, correlation_id="c")),
        )
        for e in events
    ]


async def test_an_honor_roll_with_a_violation_and_bad_rows_then_again(system, small_directory, tmp_path):
    a, _, members = cells(small_directory)
    honoree, violator, third, fourth = members[a]
    async with system.service("honors", clock=JUNE) as honors:
        await system.import_directory(small_directory)
        await directory_loaded(honors, small_directory)
        await system.publish_many(inspection(violator, small_directory.unit_path(a)))
        await applied(honors, {"InspectionConcluded": 1})
        rows = [
            ["Đảng viên", honoree, "Tháng 5/2026", "Hiến 300 m² đất mở đường", "Chi ủy", "Chi bộ", "có"],  # 2
            ["", violator, "05/2026", "Giúp hộ nghèo", "Chi ủy", "Chi bộ", ""],  # 3: the gate refuses
            ["Đảng viên", third, "6 tháng đầu năm 2026", "Gương mẫu", "Chi ủy", "Chi bộ", ""],  # 4: not a month
            ["Đảng viên", fourth, "Quý V/2026", "Gương mẫu", "Chi ủy", "Chi bộ", ""],  # 5: not a period
            ["Đảng viên", honoree, "2026-05", "Ghi lại", "Chi ủy", "Chi bộ", ""],  # 6: row 2 again
            ["Cá nhân", fourth, "04/2026", "Dạy chữ cho trẻ", "", "Chi bộ", ""],  # 7: no proposer
        ]
        path = write(tmp_path / "so-ghi-danh.csv", HONOR_HEADER, rows)
        token = system.token("bi-thu", "cell_secretary", a)
        async with client_of(honors, system, token) as client:
            first = await import_honors(path, client)
        assert (first.created, first.existing) == (1, 0)
        assert [(line, field) for line, field, _ in first.bad] == [
            (3, "subject"),
            (4, "period"),
            (5, "Kỳ ghi danh"),
            (6, "Mã đảng viên hoặc tổ chức"),
            (7, "Người đề xuất"),
        ]
        assert "kt-9" in first.bad[0][2] and "concluded a violation" in first.bad[0][2]

        async with client_of(honors, system, token) as client:
            again = await import_honors(path, client)
        assert (again.created, again.existing, again.bad) == (0, 1, first.bad)
        assert await honors.runtime.pool.fetchval("SELECT count(*) FROM honors") == 1
