"""services/honors' command handlers on PostgreSQL alone: what each command writes and stages, that a
refusal writes nothing, and the eligibility gate (rule 6) with findings delivered through the service's own
event handlers, as inspections.events and commitments.events would deliver them."""

from datetime import date

import pytest

from neuguong.runtime.auth import Forbidden
from neuguong.runtime.errors import CommandRejected, Conflict, NotFound
from schemas import wrap
from schemas.commitments import CommitmentRated
from schemas.inspections import DisciplineImposed, InspectionConcluded, InspectionOpened, Target
from services.honors.commands import ApproveNomination, NominateHonor, RecordHonor, RejectNomination, RevokeHonor
from services.honors.handlers import HANDLERS
from tests.handlers.layer import at, command_layer, principal

pytestmark = pytest.mark.handlers

JUNE = at("2026-06-15T09:00:00+07:00")
CONTENT = {
    "deed": "Vận động bà con hiến 300 m² đất mở đường liên thôn",
    "proposed_by": "Chi ủy chi bộ",
    "evidence": ["https://laocai.gov.vn/tin-tuc/hien-dat"],
    "consent_to_publish": True,
}


@pytest.fixture
async def layer(small_directory):
    async for layer in command_layer("honors", small_directory):
        yield layer


@pytest.fixture
def cast(small_directory):
    """The first member, the tokens around them, and their unit path."""
    member = small_directory.members[0]
    path = small_directory.unit_path(member.cell_id)
    return (
        member,
        path,
        {
            "secretary": principal("bi-thu", "cell_secretary", member.cell_id),
            "commune": principal("dang-uy-xa", "committee", path[1]),
            "operator": principal("van-hanh", "operator", "lc"),
        },
    )


def record(subject_id, period="2026-06", kind="member"):
    return RecordHonor(
        subject={"kind": kind, "id": subject_id}, period=period, approved_by="Chi bộ họp ngày 05", **CONTENT
    )


def nominate(subject_id, period="2026-H1"):
    return NominateHonor(subject={"kind": "member", "id": subject_id}, period=period, **CONTENT)


async def nothing_written(layer, honors=0, nominations=0, events=0):
    assert (await layer.count("honors"), await layer.count("nominations"), len(await layer.outbox())) == (
        honors,
        nominations,
        events,
    )


async def deliver(layer, event, unit_path, correlation="finding"):
    """Hand an event to the service's own handler, in one transaction, as its consumer would."""
    envelope = wrap(event, producer="inspections", actor="ubkt", unit_path=unit_path, correlation_id=correlation)
    async with layer.pool.acquire() as conn, conn.transaction():
        await HANDLERS[event.event_type](conn, event, envelope)
    return envelope


async def test_recording_writes_the_entry_and_stages_its_event_with_the_unit_path(layer, cast):
    member, path, t = cast
    answer = await layer.run(record(member.member_id), t["secretary"], JUNE)
    assert answer.status == 201 and answer.body["level"] == "cell" and answer.body["recorded_on"] == "2026-06-15"
    assert answer.body["subject"]["name"] == member.full_name
    (event,) = await layer.outbox()
    assert event.event_type == "HonorRecorded" and event.unit_path == path and event.actor == "bi-thu"
    assert event.payload["honor_id"] == answer.body["honor_id"] and answer.body["event_id"] == str(event.event_id)
    assert event.payload["recording_unit_id"] == member.cell_id and event.payload["nomination_id"] is None
    await nothing_written(layer, honors=1, events=1)


async def test_refused_recordings_write_nothing(layer, cast, small_directory):
    member, path, t = cast
    stranger = next(m for m in small_directory.members if small_directory.unit_path(m.cell_id)[1] != path[1])
    refused = [
        (record(member.member_id, "2026"), t["secretary"], CommandRejected, "period"),
        (record(stranger.member_id, "2026-H1"), t["commune"], CommandRejected, "subject.id"),
        (record(member.member_id), t["operator"], Forbidden, None),
        (record(member.member_id).model_copy(update={"level": "province"}), t["commune"], CommandRejected, "level"),
    ]
    for command, who, error, field in refused:
        with pytest.raises(error) as caught:
            await layer.run(command, who, JUNE)
        assert field is None or caught.value.field == field
    await nothing_written(layer)
    first = await layer.run(record(member.member_id), t["secretary"], JUNE)
    with pytest.raises(Conflict) as again:
        await layer.run(record(member.member_id), t["secretary"], JUNE)
    assert again.value.details["existing"]["honor_id"] == first.body["honor_id"]
    await nothing_written(layer, honors=1, events=1)


async def test_revocation_strikes_the_entry_off_and_stages_its_event(layer, cast):
    member, path, t = cast
    honor_id = (await layer.run(record(member.member_id), t["secretary"], JUNE)).body["honor_id"]
    revoke = RevokeHonor(honor_id=honor_id, reason="Ghi nhầm người", note="Theo đề nghị của chi bộ")
    with pytest.raises(Forbidden):
        await layer.run(revoke, t["commune"], JUNE)
    answer = await layer.run(revoke, t["operator"], JUNE)
    assert answer.status == 201 and answer.body["status"] == "revoked"
    assert answer.body["revocation"]["reason"] == "Ghi nhầm người"
    _recorded, revoked = await layer.outbox()
    assert revoked.event_type == "HonorRevoked" and revoked.unit_path == path and revoked.actor == "van-hanh"
    assert revoked.payload["honor_id"] == honor_id and revoked.payload["note"] == "Theo đề nghị của chi bộ"
    assert answer.body["event_id"] == str(revoked.event_id)
    with pytest.raises(Conflict) as again:
        await layer.run(revoke, t["operator"], JUNE)
    assert again.value.details["existing"]["status"] == "revoked"
    with pytest.raises(NotFound):
        await layer.run(RevokeHonor(honor_id="khong-co", reason="?"), t["operator"], JUNE)
    assert len(await layer.outbox()) == 2


async def test_a_nomination_goes_up_one_level_and_its_approval_records_the_honor(layer, cast):
    member, path, t = cast
    nominated = await layer.run(nominate(member.member_id), t["secretary"], JUNE)
    assert nominated.body["recording_unit_id"] == path[1] and nominated.body["level"] == "grassroots"
    (event,) = await layer.outbox()
    assert event.event_type == "HonorNominated" and event.unit_path == path
    assert nominated.body["event_id"] == str(event.event_id)
    with pytest.raises(Conflict):
        await layer.run(nominate(member.member_id), t["secretary"], JUNE)
    await nothing_written(layer, nominations=1, events=1)

    approve = ApproveNomination(nomination_id=nominated.body["nomination_id"], approved_by="Ban Thường vụ Đảng ủy xã")
    with pytest.raises(Forbidden):
        await layer.run(approve, principal("tinh-uy", "committee", "lc"), JUNE)
    answer = await layer.run(approve, t["commune"], at("2026-07-02T08:00:00+07:00"))
    assert answer.body["nomination_id"] == nominated.body["nomination_id"] and answer.body["level"] == "grassroots"
    assert answer.body["recorded_on"] == "2026-07-02" and answer.body["proposed_by"] == "Chi ủy chi bộ"
    recorded = (await layer.outbox())[1]
    assert recorded.event_type == "HonorRecorded" and recorded.unit_path == path and recorded.actor == "dang-uy-xa"
    assert recorded.payload["nomination_id"] == nominated.body["nomination_id"]
    assert await layer.pool.fetchval("SELECT status FROM nominations") == "approved"
    with pytest.raises(Conflict) as again:
        await layer.run(approve, t["commune"], JUNE)
    assert again.value.details["existing"]["status"] == "approved"
    await nothing_written(layer, honors=1, nominations=1, events=2)


async def test_a_rejection_decides_the_nomination_and_records_nothing(layer, cast):
    member, path, t = cast
    nominated = await layer.run(nominate(member.member_id), t["secretary"], JUNE)
    reject = RejectNomination(
        nomination_id=nominated.body["nomination_id"],
        reason="Chưa đủ thành tích tiêu biểu",
        rejected_by="Ban Thường vụ Đảng ủy xã",
    )
    answer = await layer.run(reject, t["commune"], JUNE)
    assert answer.body["status"] == "rejected" and answer.body["decision"] == "Chưa đủ thành tích tiêu biểu"
    _, rejected = await layer.outbox()
    assert rejected.event_type == "HonorRejected" and rejected.unit_path == path
    assert rejected.payload["rejected_by"] == "Ban Thường vụ Đảng ủy xã"
    await nothing_written(layer, nominations=1, events=2)


def findings(member, commune):
    """One finding of each kind against the member, as the other services publish them."""
    target = Target(kind="member", id=member.member_id)
    opened = InspectionOpened(
        target=target,
        inspection_id="kt-1",
        kind="inspection",
        topic_title="Kiểm tra dấu hiệu",
        period="2025",
        committee_unit_id=commune,
        opened_on=date(2026, 5, 4),
    )
    return {
        "open_inspection": ("kt-1", [opened]),
        "violation": (
            "kt-1",
            [
                opened,
                InspectionConcluded(
                    target=target,
                    inspection_id="kt-1",
                    kind="inspection",
                    period="2025",
                    conclusion="violation",
                    summary="Kết luận vi phạm",
                    concluded_on=date(2026, 6, 1),
                ),
            ],
        ),
        "discipline": (
            "kl-1",
            [
                DisciplineImposed(
                    target=target,
                    discipline_id="kl-1",
                    measure="reprimand",
                    decided_on=date(2026, 3, 3),
                    reason="Vi phạm quy chế",
                    decided_by_unit=commune,
                )
            ],
        ),
        "not_completed_rating": (
            "cm-2025",
            [
                CommitmentRated(
                    commitment_id="cm-2025",
                    member_id=member.member_id,
                    cell_id=member.cell_id,
                    year=2025,
                    rating="not_completed",
                    rated_by_unit=member.cell_id,
                )
            ],
        ),
    }


@pytest.mark.parametrize("reason", ["open_inspection", "violation", "discipline", "not_completed_rating"])
async def test_the_gate_refuses_naming_the_finding_and_writes_nothing(layer, cast, reason):
    member, path, t = cast
    nominated = await layer.run(nominate(member.member_id), t["secretary"], JUNE)  # while still eligible
    ref, events = findings(member, path[1])[reason]
    for event in events:
        await deliver(layer, event, path)
    with pytest.raises(CommandRejected) as refused:
        await layer.run(record(member.member_id), t["secretary"], JUNE)
    assert refused.value.field == "subject" and ref in refused.value.reason
    assert [(r["code"], r["ref"]) for r in refused.value.details["reasons"]] == [(reason, ref)]
    approve = ApproveNomination(nomination_id=nominated.body["nomination_id"], approved_by="Đảng ủy xã")
    with pytest.raises(CommandRejected) as again:
        await layer.run(approve, t["commune"], JUNE)
    assert again.value.details["reasons"][0]["ref"] == ref
    await nothing_written(layer, nominations=1, events=1)
    assert await layer.pool.fetchval("SELECT status FROM nominations") == "pending"


async def test_a_later_violation_strikes_off_the_honor_in_the_findings_correlation(layer, cast, small_directory):
    member, path, t = cast
    honor_id = (await layer.run(record(member.member_id), t["secretary"], JUNE)).body["honor_id"]
    neighbour = (await layer.run(record(small_directory.members[1].member_id), t["secretary"], JUNE)).body
    _, (opened, concluded) = findings(member, path[1])["violation"]
    await deliver(layer, opened, path)
    envelope = await deliver(layer, concluded.model_copy(update={"period": "2026"}), path, "corr-violation")
    revoked = (await layer.outbox())[2:]
    assert [e.event_type for e in revoked] == ["HonorRevoked"]
    assert revoked[0].payload["honor_id"] == honor_id and revoked[0].payload["inspection_id"] == "kt-1"
    assert revoked[0].correlation_id == "corr-violation" and revoked[0].causation_id == str(envelope.event_id)
    assert revoked[0].actor == "honors:InspectionConcluded" and revoked[0].unit_path == path
    assert await layer.pool.fetchval("SELECT honor_id FROM honors WHERE revoked_at IS NULL") == neighbour["honor_id"]
