"""Rule 6 on the real broker and database: services/honors learns findings from inspections.events and
commitments.events, refuses ineligible subjects naming every reason, and revokes honors automatically when a
violation or a discipline arrives after them (HonorRevoked caused by the finding, in its correlation)."""

import pytest

from neuguong.periods import today_local
from schemas import decode, encode, wrap
from schemas.commitments import CommitmentRated
from schemas.topics import COMMITMENTS, HONORS, INSPECTIONS
from tests.integration.flows import assert_envelope, directory_loaded, post
from tests.integration.harness import eventually
from tests.integration.test_honors_roll import HALF, MONTH, honor, nomination

YEAR = today_local().year


@pytest.fixture
async def services(system, small_directory):
    async with system.service("honors") as honors, system.service("inspections") as inspections:
        await system.import_directory(small_directory)
        await directory_loaded(honors, small_directory)
        await directory_loaded(inspections, small_directory)
        yield honors, inspections


def people(system, directory):
    member = directory.members[0]
    commune = directory.unit_path(member.cell_id)[1]
    return member, {
        "secretary": system.token("bi-thu", "cell_secretary", member.cell_id),
        "commune": system.token("dang-uy-xa", "committee", commune),
        "inspector": system.token("ubkt-xa", "inspector", commune),
    }


async def open_inspection(inspections, token, member_id, period=str(YEAR - 1), correlation=None) -> str:
    reply = await post(
        inspections,
        "/inspections",
        {
            "kind": "inspection",
            "target": {"kind": "member", "id": member_id},
            "period": period,
            "topic_title": "Kiểm tra dấu hiệu vi phạm",
        },
        token,
        correlation,
    )
    assert reply.status_code == 201, reply.text
    return reply.json()["inspection_id"]


async def conclude(inspections, token, inspection_id, conclusion, correlation=None):
    reply = await post(
        inspections,
        f"/inspections/{inspection_id}/conclusion",
        {"conclusion": conclusion, "summary": "Kết luận của Ủy ban kiểm tra"},
        token,
        correlation,
    )
    assert reply.status_code == 201, reply.text
    return reply.json()


async def publish_rating(system, directory, member, rating, commitment_id="cm-1", year=YEAR):
    event = CommitmentRated(
        commitment_id=commitment_id,
        member_id=member.member_id,
        cell_id=member.cell_id,
        year=year,
        rating=rating,
        rated_by_unit=member.cell_id,
    )
    envelope = wrap(
        event,
        producer="commitments",
        actor="bi-thu",
        unit_path=directory.unit_path(member.cell_id),
        correlation_id=f"corr-rating-{rating}",
    )
    await system.publish_raw(COMMITMENTS.name, encode(envelope), member.member_id.encode())


async def verdict(honors, token, member_id, period=MONTH):
    reply = await honors.client.get(
        f"/subjects/member/{member_id}/eligibility", params={"period": period}, headers=token
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


async def test_an_eligible_subject_passes(system, small_directory, services):
    honors, inspections = services
    member, t = people(system, small_directory)
    checked = await open_inspection(inspections, t["inspector"], member.member_id)
    await conclude(inspections, t["inspector"], checked, "shortcomings")
    await publish_rating(system, small_directory, member, "good", year=YEAR - 1)

    async def known() -> bool:
        return (
            await honors.runtime.pool.fetchval("SELECT count(*) FROM known_inspections WHERE conclusion IS NOT NULL")
            + await honors.runtime.pool.fetchval("SELECT count(*) FROM known_ratings")
        ) == 2

    await eventually(known)
    assert (await verdict(honors, t["secretary"], member.member_id))["eligible"] is True
    reply = await post(honors, "/honors", honor(member.member_id), t["secretary"])
    assert reply.status_code == 201, reply.text


REASONS = ["open_inspection", "violation", "discipline", "not_completed_rating"]


@pytest.mark.parametrize("reason", REASONS)
async def test_each_reason_refuses_the_honor_and_names_the_finding(system, small_directory, services, reason):
    honors, inspections = services
    member, t = people(system, small_directory)
    # A nomination made while the member was eligible: its approval checks again.
    nominated = await post(honors, "/nominations", nomination(member.member_id, HALF), t["secretary"])
    assert nominated.status_code == 201, nominated.text

    if reason == "open_inspection":
        ref = await open_inspection(inspections, t["inspector"], member.member_id)
    elif reason == "violation":
        ref = await open_inspection(inspections, t["inspector"], member.member_id)
        await conclude(inspections, t["inspector"], ref, "violation")
    elif reason == "discipline":
        reply = await post(
            inspections,
            "/disciplines",
            {"target": {"kind": "member", "id": member.member_id}, "measure": "reprimand", "reason": "Vi phạm quy chế"},
            t["inspector"],
        )
        assert reply.status_code == 201, reply.text
        ref = reply.json()["discipline_id"]
    else:
        ref = "cm-2026-khong-hoan-thanh"
        await publish_rating(system, small_directory, member, "not_completed", ref, year=YEAR - 1)

    # Findings arrive one event at a time (a violation is an open inspection until its conclusion is
    # consumed), so wait for the verdict to settle on the finding under test, then check it is the only one.
    async def settled():
        answer = await verdict(honors, t["secretary"], member.member_id)
        return answer if any(r["code"] == reason for r in answer["reasons"]) else None

    answer = await eventually(settled)
    assert answer["eligible"] is False
    assert [(r["code"], r["ref"]) for r in answer["reasons"]] == [(reason, ref)]
    before = await honors.runtime.pool.fetchval("SELECT count(*) FROM outbox")

    refused = await post(honors, "/honors", honor(member.member_id), t["secretary"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "subject" and ref in refused.json()["errors"][0]["reason"]
    assert [(r["code"], r["ref"]) for r in refused.json()["reasons"]] == [(reason, ref)]
    approval = await post(
        honors,
        f"/nominations/{nominated.json()['nomination_id']}/approval",
        {"approved_by": "Ban Thường vụ Đảng ủy xã"},
        t["commune"],
    )
    assert approval.status_code == 422 and approval.json()["reasons"][0]["ref"] == ref
    assert await honors.runtime.pool.fetchval("SELECT count(*) FROM honors") == 0
    assert await honors.runtime.pool.fetchval("SELECT count(*) FROM outbox") == before
    assert await honors.runtime.pool.fetchval("SELECT status FROM nominations") == "pending"


async def test_a_later_rating_replaces_the_earlier_one(system, small_directory, services):
    honors, _ = services
    member, t = people(system, small_directory)
    await publish_rating(system, small_directory, member, "not_completed", year=YEAR - 1)
    await eventually(lambda: barred_now(honors, t, member))
    await publish_rating(system, small_directory, member, "completed", year=YEAR - 1)

    async def eligible_again() -> bool:
        return (await verdict(honors, t["secretary"], member.member_id))["eligible"]

    await eventually(eligible_again)
    assert (await post(honors, "/honors", honor(member.member_id), t["secretary"])).status_code == 201


async def barred_now(honors, t, member) -> bool:
    return not (await verdict(honors, t["secretary"], member.member_id))["eligible"]


async def test_the_race_a_violation_concluded_just_after_the_honor_revokes_it(system, small_directory, services):
    honors, inspections = services
    member, t = people(system, small_directory)
    neighbour = small_directory.members[1]
    recorded = await post(honors, "/honors", honor(member.member_id), t["secretary"])
    assert recorded.status_code == 201, recorded.text
    honor_id = recorded.json()["honor_id"]
    untouched = (await post(honors, "/honors", honor(neighbour.member_id), t["secretary"])).json()["honor_id"]

    inspection_id = await open_inspection(inspections, t["inspector"], member.member_id, period=str(YEAR))
    await conclude(inspections, t["inspector"], inspection_id, "violation", "corr-violation")

    async def revoked():
        reply = await honors.client.get(f"/honors/{honor_id}", headers=t["commune"])
        return reply.json() if reply.json()["status"] == "revoked" else None

    entry = await eventually(revoked, timeout=10.0)
    assert entry["revocation"]["inspection_id"] == inspection_id and inspection_id in entry["revocation"]["reason"]
    as_member = await honors.client.get(
        f"/honors/{honor_id}", headers=system.token(member.member_id, "member", member.cell_id)
    )
    assert as_member.json()["status"] == "revoked"  # a member sees that, not the findings behind it
    assert set(as_member.json()["revocation"]) == {"revoked_at", "revoked_by"}
    listed = await honors.client.get("/honors", params={"unit_id": member.cell_id}, headers=t["commune"])
    assert [h["honor_id"] for h in listed.json()["items"]] == [untouched]
    with_revoked = await honors.client.get(
        "/honors", params={"unit_id": member.cell_id, "include_revoked": True}, headers=t["commune"]
    )
    assert {h["honor_id"]: h["status"] for h in with_revoked.json()["items"]} == {
        honor_id: "revoked",
        untouched: "on_roll",
    }

    concluded_record = next(
        r
        for r in await system.read_topic(INSPECTIONS.name, at_least=2)
        if decode(r.value).event_type == "InspectionConcluded"
    )
    records = await system.read_topic(HONORS.name, at_least=3)
    revocations = [r for r in records if decode(r.value).event_type == "HonorRevoked"]
    assert len(revocations) == 1
    envelope = assert_envelope(
        revocations[0],
        producer="honors",
        event_type="HonorRevoked",
        actor="honors:InspectionConcluded",
        unit_path=small_directory.unit_path(member.cell_id),
        correlation_id="corr-violation",
        key=member.member_id,
        causation_id=str(decode(concluded_record.value).event_id),
    )
    assert envelope.payload["honor_id"] == honor_id and envelope.payload["inspection_id"] == inspection_id
    assert envelope.payload["period"] == MONTH and envelope.payload["level"] == "cell"


async def test_a_discipline_revokes_the_honors_of_the_year_before_it(system, small_directory, services):
    honors, inspections = services
    member, t = people(system, small_directory)
    cell_honor = (await post(honors, "/honors", honor(member.member_id), t["secretary"])).json()["honor_id"]
    half_honor = (await post(honors, "/honors", honor(member.member_id, HALF), t["commune"])).json()["honor_id"]
    imposed = await post(
        inspections,
        "/disciplines",
        {
            "target": {"kind": "member", "id": member.member_id},
            "measure": "warning",
            "reason": "Vi phạm quy định nêu gương",
        },
        t["inspector"],
        "corr-discipline",
    )
    assert imposed.status_code == 201, imposed.text
    discipline_id = imposed.json()["discipline_id"]

    async def both_revoked():
        reply = await honors.client.get(f"/subjects/member/{member.member_id}/honors", headers=t["commune"])
        items = reply.json()["items"]
        return items if all(h["status"] == "revoked" for h in items) else None

    items = await eventually(both_revoked, timeout=10.0)
    assert {h["honor_id"] for h in items} == {cell_honor, half_honor}
    assert all(h["revocation"]["discipline_id"] == discipline_id for h in items)
    records = [
        r for r in await system.read_topic(HONORS.name, at_least=4) if decode(r.value).event_type == "HonorRevoked"
    ]
    assert {decode(r.value).payload["honor_id"] for r in records} == {cell_honor, half_honor}
    assert all(decode(r.value).correlation_id == "corr-discipline" for r in records)
    assert all("cảnh cáo" in decode(r.value).payload["reason"] for r in records)


async def test_a_collective_is_barred_and_revoked_by_findings_about_itself_only(system, small_directory, services):
    honors, inspections = services
    member, t = people(system, small_directory)
    cell = member.cell_id
    collective = await post(honors, "/honors", honor(cell, HALF, "unit"), t["commune"])
    assert collective.status_code == 201, collective.text
    # A violation of one of its members does not touch the cell's collective honor.
    personal = await open_inspection(inspections, t["inspector"], member.member_id, period=str(YEAR))
    await conclude(inspections, t["inspector"], personal, "violation")
    supervision = await post(
        inspections,
        "/inspections",
        {
            "kind": "supervision",
            "target": {"kind": "unit", "id": cell},
            "period": HALF,
            "topic_title": "Giám sát việc duy trì sinh hoạt chi bộ",
        },
        t["inspector"],
    )
    assert supervision.status_code == 201, supervision.text
    await conclude(inspections, t["inspector"], supervision.json()["inspection_id"], "violation", "corr-cell")

    async def revoked():
        reply = await honors.client.get(f"/subjects/unit/{cell}/honors", headers=t["commune"])
        (entry,) = reply.json()["items"]
        return entry if entry["status"] == "revoked" else None

    entry = await eventually(revoked, timeout=10.0)
    assert entry["revocation"]["inspection_id"] == supervision.json()["inspection_id"]
    assert "giám sát" in entry["revocation"]["reason"]
    again = await post(honors, "/honors", honor(cell, HALF, "unit"), t["commune"])
    assert again.status_code == 422
    assert {r["code"] for r in again.json()["reasons"]} == {"violation"}
