"""The honor roll over HTTP on the real broker and database: recording with its event and full envelope,
the natural key (rule 7), cadence (rule 5), who may record where, revocation by hand, reads, nominations."""

import asyncio

import pytest

from neuguong.periods import today_local
from schemas import decode
from schemas.topics import HONORS
from tests.integration.flows import assert_envelope, directory_loaded, post

TODAY = today_local()
MONTH, HALF, YEAR = f"{TODAY:%Y-%m}", f"{TODAY.year}-H{1 if TODAY.month <= 6 else 2}", str(TODAY.year)


@pytest.fixture
async def honors(system, small_directory):
    async with system.service("honors") as service:
        await system.import_directory(small_directory)
        await directory_loaded(service, small_directory)
        yield service


def honor(subject_id, period=MONTH, kind="member", **changes):
    return {
        "subject": {"kind": kind, "id": subject_id},
        "period": period,
        "deed": "Vận động bà con hiến 300 m² đất mở đường liên thôn",
        "proposed_by": "Chi ủy chi bộ",
        "approved_by": "Chi bộ họp ngày 05",
        "evidence": ["https://laocai.gov.vn/tin-tuc/hien-dat"],
        "consent_to_publish": True,
        **changes,
    }


def tokens(system, directory, member):
    commune = directory.unit_path(member.cell_id)[1]
    return {
        "secretary": system.token("bi-thu", "cell_secretary", member.cell_id),
        "commune": system.token("dang-uy-xa", "committee", commune),
        "province": system.token("tinh-uy", "committee", "lc"),
        "operator": system.token("van-hanh", "operator", "lc"),
        "inspector": system.token("ubkt", "inspector", "lc"),
    }


async def counts(service) -> tuple[int, int, int]:
    pool = service.runtime.pool
    return (
        await pool.fetchval("SELECT count(*) FROM honors"),
        await pool.fetchval("SELECT count(*) FROM nominations"),
        await pool.fetchval("SELECT count(*) FROM outbox"),
    )


async def test_recording_publishes_the_honor_with_its_full_envelope(system, small_directory, honors):
    member = small_directory.members[0]
    path = small_directory.unit_path(member.cell_id)
    t = tokens(system, small_directory, member)
    cell_honor = await post(honors, "/honors", honor(member.member_id), t["secretary"], "corr-honor")
    assert cell_honor.status_code == 201, cell_honor.text
    body = cell_honor.json()
    assert body["level"] == "cell" and body["recording_unit_id"] == member.cell_id and body["status"] == "on_roll"
    assert body["subject"]["name"] == member.full_name  # from the local directory, diacritics intact
    collective = await post(honors, "/honors", honor(member.cell_id, HALF, "unit"), t["commune"])
    assert collective.status_code == 201, collective.text
    assert collective.json()["level"] == "grassroots"
    assert collective.json()["subject"]["name"] == next(
        u.name for u in small_directory.units if u.unit_id == member.cell_id
    )

    records = await system.read_topic(HONORS.name, at_least=2)
    by_key = {r.key.decode(): r for r in records}
    envelope = assert_envelope(
        by_key[member.member_id],
        producer="honors",
        event_type="HonorRecorded",
        actor="bi-thu",
        unit_path=path,
        correlation_id="corr-honor",
        key=member.member_id,
    )
    assert envelope.payload["honor_id"] == body["honor_id"] and envelope.payload["level"] == "cell"
    assert envelope.payload["deed"] == "Vận động bà con hiến 300 m² đất mở đường liên thôn"
    assert envelope.payload["subject"] == {"kind": "member", "id": member.member_id, "name": member.full_name}
    assert envelope.payload["evidence"] == ["https://laocai.gov.vn/tin-tuc/hien-dat"]
    assert envelope.payload["consent_to_publish"] is True and envelope.payload["nomination_id"] is None
    unit_envelope = decode(by_key[member.cell_id].value)
    assert unit_envelope.unit_path == path and unit_envelope.payload["level"] == "grassroots"


async def test_the_same_subject_level_and_period_twice_is_a_409_with_the_existing_entry(
    system, small_directory, honors
):
    member = small_directory.members[0]
    secretary = tokens(system, small_directory, member)["secretary"]
    first = await post(honors, "/honors", honor(member.member_id), secretary)
    assert first.status_code == 201, first.text
    again = await post(honors, "/honors", honor(member.member_id, deed="Một việc tốt khác"), secretary)
    assert again.status_code == 409, again.text
    assert again.json()["existing"]["honor_id"] == first.json()["honor_id"]
    assert again.json()["existing"]["deed"] == first.json()["deed"]

    # The race: many concurrent attempts, one entry; the others see it (the unique index decides).
    other = small_directory.members[1]
    replies = await asyncio.gather(
        *[post(honors, "/honors", honor(other.member_id, deed=f"Việc tốt {i}"), secretary) for i in range(6)]
    )
    assert sorted(r.status_code for r in replies) == [201] + [409] * 5
    winner = next(r for r in replies if r.status_code == 201).json()["honor_id"]
    assert all(r.json()["existing"]["honor_id"] == winner for r in replies if r.status_code == 409)
    assert (await counts(honors))[0] == 2
    assert len(await system.read_topic(HONORS.name, at_least=2)) == 2

    # The same Idempotency-Key replays the answer and writes nothing.
    headers = {**secretary, "Idempotency-Key": "honor-replay-1"}
    third = small_directory.members[2]
    once = await honors.client.post("/honors", json=honor(third.member_id), headers=headers)
    twice = await honors.client.post("/honors", json=honor(third.member_id), headers=headers)
    assert once.status_code == twice.status_code == 201 and once.json() == twice.json()
    assert twice.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize(
    "who, period, allowed",
    [
        ("secretary", YEAR, ["month"]),
        ("secretary", HALF, ["month"]),
        ("commune", MONTH, ["half-year", "year"]),
        ("commune", f"{TODAY.year}-Q{(TODAY.month - 1) // 3 + 1}", ["half-year", "year"]),
        ("province", HALF, ["year"]),
        ("province", MONTH, ["year"]),
    ],
)
async def test_a_period_that_does_not_fit_the_roll_is_a_422_naming_the_allowed_kinds(
    system, small_directory, honors, who, period, allowed
):
    member = small_directory.members[0]
    reply = await post(honors, "/honors", honor(member.member_id, period), tokens(system, small_directory, member)[who])
    assert reply.status_code == 422, reply.text
    assert reply.json()["errors"][0]["field"] == "period"
    assert reply.json()["allowed_period_kinds"] == allowed
    assert await counts(honors) == (0, 0, 0)


async def test_who_may_record_where_and_nothing_is_written_when_refused(system, small_directory, honors):
    member = small_directory.members[0]
    t = tokens(system, small_directory, member)
    commune = small_directory.unit_path(member.cell_id)[1]
    stranger = next(m for m in small_directory.members if small_directory.unit_path(m.cell_id)[1] != commune)
    cases = [
        # a cell secretary cannot record a province-level honor, in either shape
        (t["secretary"], honor(member.member_id, YEAR, recording_unit_id="lc"), 403, "recording_unit_id"),
        (t["secretary"], honor(member.member_id, YEAR, level="province"), 403, "recording_unit_id"),
        # committees record in their own unit's roll only
        (t["commune"], honor(member.member_id, YEAR, recording_unit_id="lc"), 403, "recording_unit_id"),
        (t["commune"], honor(member.member_id, YEAR, level="province"), 422, "level"),
        # subjects must lie under the roll
        (t["commune"], honor(stranger.member_id, YEAR), 422, "subject.id"),
        (t["secretary"], honor(member.cell_id, kind="unit"), 422, "subject.id"),
        # roles that do not keep a roll
        (t["inspector"], honor(member.member_id, YEAR), 403, "role"),
        (t["operator"], honor(member.member_id, YEAR), 403, "role"),
        (system.token(member.member_id, "member", member.cell_id), honor(member.member_id), 403, "role"),
        ({}, honor(member.member_id), 401, "authorization"),
        (t["secretary"], honor(member.member_id, evidence=["ftp://x.vn/a"]), 422, "evidence.0"),
    ]
    for token, body, status, field in cases:
        reply = await post(honors, "/honors", body, token)
        assert reply.status_code == status, (body, reply.text)
        assert reply.json()["errors"][0]["field"] == field, reply.text
    assert await counts(honors) == (0, 0, 0)
    assert await honors.runtime.pool.fetchval("SELECT count(*) FROM idempotency WHERE status_code < 300") == 0


async def test_an_operator_revokes_by_hand_with_a_reason(system, small_directory, honors):
    member = small_directory.members[0]
    t = tokens(system, small_directory, member)
    recorded = (await post(honors, "/honors", honor(member.member_id), t["secretary"])).json()
    honor_id = recorded["honor_id"]
    not_operator = await post(honors, f"/honors/{honor_id}/revocation", {"reason": "Sai sót"}, t["province"])
    assert not_operator.status_code == 403
    no_reason = await post(honors, f"/honors/{honor_id}/revocation", {}, t["operator"])
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    revoked = await post(
        honors,
        f"/honors/{honor_id}/revocation",
        {"reason": "Ghi nhầm người", "note": "Theo đề nghị của chi bộ"},
        t["operator"],
        "corr-rv",
    )
    assert revoked.status_code == 201, revoked.text
    assert revoked.json()["status"] == "revoked" and revoked.json()["revocation"]["reason"] == "Ghi nhầm người"
    again = await post(honors, f"/honors/{honor_id}/revocation", {"reason": "Lần nữa"}, t["operator"])
    assert again.status_code == 409 and again.json()["existing"]["status"] == "revoked"
    unknown = await post(honors, "/honors/khong-co/revocation", {"reason": "?"}, t["operator"])
    assert unknown.status_code == 404

    records = await system.read_topic(HONORS.name, at_least=2)
    envelope = assert_envelope(
        records[1],
        producer="honors",
        event_type="HonorRevoked",
        actor="van-hanh",
        unit_path=small_directory.unit_path(member.cell_id),
        correlation_id="corr-rv",
        key=member.member_id,
    )
    assert envelope.payload["honor_id"] == honor_id and envelope.payload["revoked_by"] == "van-hanh"
    assert envelope.payload["reason"] == "Ghi nhầm người" and envelope.payload["inspection_id"] is None
    # Off the roll, the natural key is free again.
    assert (await post(honors, "/honors", honor(member.member_id), t["secretary"])).status_code == 201


async def test_reads_of_a_subtree_by_period_and_level_with_paging(system, small_directory, honors):
    province = system.token("tinh-uy", "committee", "lc")
    members = small_directory.members[:6]
    for m in members:
        secretary = system.token(f"bt-{m.cell_id}", "cell_secretary", m.cell_id)
        assert (await post(honors, "/honors", honor(m.member_id), secretary)).status_code == 201
    commune = small_directory.unit_path(members[0].cell_id)[1]
    committee = system.token("dang-uy-xa", "committee", commune)
    assert (await post(honors, "/honors", honor(members[0].member_id, YEAR), committee)).status_code == 201

    async def pages(params, token=province):
        seen, after = [], ""
        while True:
            reply = await honors.client.get("/honors", params={**params, "limit": 3, "after": after}, headers=token)
            assert reply.status_code == 200, reply.text
            seen += reply.json()["items"]
            if reply.json()["next"] is None:
                return seen
            after = reply.json()["next"]

    assert len(await pages({"unit_id": "lc"})) == 7
    assert len(await pages({"unit_id": "lc", "level": "cell"})) == 6
    assert len(await pages({"unit_id": "lc", "period": MONTH})) == 6  # the year honor is not within a month
    assert len(await pages({"unit_id": "lc", "period": YEAR})) == 7
    assert (
        len(await pages({"unit_id": members[0].cell_id})) == sum(m.cell_id == members[0].cell_id for m in members) + 1
    )
    own = await honors.client.get(f"/subjects/member/{members[0].member_id}/honors", headers=committee)
    assert own.status_code == 200 and [h["level"] for h in own.json()["items"]] == ["grassroots", "cell"]
    other_commune = next(u.unit_id for u in small_directory.units if u.level == "grassroots" and u.unit_id != commune)
    assert (await honors.client.get("/honors", params={"unit_id": other_commune}, headers=committee)).status_code == 403


async def test_nomination_then_approval_end_to_end(system, small_directory, honors):
    member = small_directory.members[0]
    t = tokens(system, small_directory, member)
    commune = small_directory.unit_path(member.cell_id)[1]
    nominated = await post(honors, "/nominations", nomination(member.member_id, HALF), t["secretary"], "corr-nom")
    assert nominated.status_code == 201, nominated.text
    nomination_id = nominated.json()["nomination_id"]
    assert nominated.json()["recording_unit_id"] == commune and nominated.json()["level"] == "grassroots"
    duplicate = await post(honors, "/nominations", nomination(member.member_id, HALF), t["secretary"])
    assert duplicate.status_code == 409 and duplicate.json()["existing"]["nomination_id"] == nomination_id
    pending = await honors.client.get("/nominations", params={"status": "pending"}, headers=t["commune"])
    assert [n["nomination_id"] for n in pending.json()["items"]] == [nomination_id]

    by_province = await post(
        honors, f"/nominations/{nomination_id}/approval", {"approved_by": "Tỉnh ủy"}, t["province"]
    )
    assert by_province.status_code == 403
    approved = await post(
        honors,
        f"/nominations/{nomination_id}/approval",
        {"approved_by": "Ban Thường vụ Đảng ủy xã"},
        t["commune"],
        "corr-approve",
    )
    assert approved.status_code == 201, approved.text
    assert approved.json()["nomination_id"] == nomination_id and approved.json()["level"] == "grassroots"
    assert approved.json()["proposed_by"] == "Chi ủy chi bộ"
    again = await post(honors, f"/nominations/{nomination_id}/approval", {"approved_by": "x"}, t["commune"])
    assert again.status_code == 409 and again.json()["existing"]["status"] == "approved"

    records = await system.read_topic(HONORS.name, at_least=2)
    path = small_directory.unit_path(member.cell_id)
    nominated_env = assert_envelope(
        records[0],
        producer="honors",
        event_type="HonorNominated",
        actor="bi-thu",
        unit_path=path,
        correlation_id="corr-nom",
        key=member.member_id,
    )
    assert nominated_env.payload["proposing_unit_id"] == member.cell_id
    assert nominated_env.payload["recording_unit_id"] == commune
    recorded_env = assert_envelope(
        records[1],
        producer="honors",
        event_type="HonorRecorded",
        actor="dang-uy-xa",
        unit_path=path,
        correlation_id="corr-approve",
        key=member.member_id,
    )
    assert recorded_env.payload["nomination_id"] == nomination_id
    assert recorded_env.payload["approved_by"] == "Ban Thường vụ Đảng ủy xã"


async def test_nomination_then_rejection_end_to_end(system, small_directory, honors):
    member = small_directory.members[0]
    t = tokens(system, small_directory, member)
    commune = small_directory.unit_path(member.cell_id)[1]
    # The commune proposes its own collective to the province.
    nominated = await post(honors, "/nominations", nomination(commune, YEAR, "unit"), t["commune"])
    assert nominated.status_code == 201, nominated.text
    assert nominated.json()["recording_unit_id"] == "lc" and nominated.json()["level"] == "province"
    nomination_id = nominated.json()["nomination_id"]
    rejected = await post(
        honors,
        f"/nominations/{nomination_id}/rejection",
        {"reason": "Chưa đủ thành tích tiêu biểu", "rejected_by": "Ban Thường vụ Tỉnh ủy"},
        t["province"],
        "corr-reject",
    )
    assert rejected.status_code == 201, rejected.text
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision"] == "Chưa đủ thành tích tiêu biểu"
    late = await post(honors, f"/nominations/{nomination_id}/approval", {"approved_by": "x"}, t["province"])
    assert late.status_code == 409
    records = await system.read_topic(HONORS.name, at_least=2)
    envelope = assert_envelope(
        records[1],
        producer="honors",
        event_type="HonorRejected",
        actor="tinh-uy",
        unit_path=["lc", commune],
        correlation_id="corr-reject",
        key=commune,
    )
    assert envelope.payload["reason"] == "Chưa đủ thành tích tiêu biểu"
    assert envelope.payload["rejected_by"] == "Ban Thường vụ Tỉnh ủy"
    assert (await counts(honors))[0] == 0
    # A period the receiving roll does not keep is refused at nomination time.
    wrong = await post(honors, "/nominations", nomination(member.member_id, MONTH), t["secretary"])
    assert wrong.status_code == 422 and wrong.json()["allowed_period_kinds"] == ["half-year", "year"]


def nomination(subject_id, period, kind="member"):
    body = honor(subject_id, period, kind)
    del body["approved_by"]
    return body
