"""HTTP commands: tokens and subtrees are enforced, refusals write nothing, keys make retries safe."""

import json

import pytest

from neuguong.runtime import directory
from neuguong.runtime.auth import generate_key_pair, mint_token
from schemas import OrgUnitRegistered
from schemas.topics import COMMITMENTS
from tests.integration.flows import directory_loaded, file_commitment


async def written(service) -> tuple[int, int, int]:
    pool = service.runtime.pool
    return (
        await pool.fetchval("SELECT count(*) FROM commitments"),
        await pool.fetchval("SELECT count(*) FROM outbox"),
        await pool.fetchval("SELECT count(*) FROM idempotency"),
    )


@pytest.fixture
async def commitments(system, small_directory):
    async with system.service("commitments") as service:
        await system.import_directory(small_directory)
        await directory_loaded(service, small_directory)
        yield service


def body(member, year=2026):
    return {"member_id": member.member_id, "year": year}


async def test_no_token_bad_token_and_foreign_token_are_401_and_write_nothing(system, small_directory, commitments):
    member = small_directory.members[0]
    foreign_private, _ = generate_key_pair()
    forged = mint_token(foreign_private, sub=member.member_id, role="member", unit=member.cell_id)
    cases = [
        ({}, "missing bearer token"),
        ({"Authorization": "Bearer nonsense"}, "invalid token"),
        ({"Authorization": f"Bearer {forged}"}, "invalid token"),
    ]
    for headers, reason in cases:
        reply = await commitments.client.post(
            "/commitments", json=body(member), headers={**headers, "Idempotency-Key": "k-unauthenticated"}
        )
        assert reply.status_code == 401, reply.text
        assert reply.headers["WWW-Authenticate"] == "Bearer"
        assert reason in reply.json()["detail"]
    assert await written(commitments) == (0, 0, 0)


async def test_acting_outside_ones_subtree_or_for_someone_else_is_403_and_writes_nothing(
    system, small_directory, commitments
):
    first_commune = small_directory.unit_path(small_directory.members[0].cell_id)[1]
    member = next(m for m in small_directory.members if small_directory.unit_path(m.cell_id)[1] != first_commune)
    other = small_directory.members[0]
    cases = [
        (system.token("uy-vien", "committee", first_commune), "outside the subtree"),
        (system.token(other.member_id, "member", other.cell_id), "only act for themselves"),
        (system.token("thanh-tra", "inspector", "lc"), "role"),
    ]
    for headers, reason in cases:
        reply = await commitments.client.post(
            "/commitments", json=body(member), headers={**headers, "Idempotency-Key": "k-forbidden"}
        )
        assert reply.status_code == 403, reply.text
        assert reason in reply.json()["detail"]
    assert await written(commitments) == (0, 0, 0)


async def test_a_committee_files_within_its_subtree(system, small_directory, commitments):
    member = small_directory.members[1]
    commune = small_directory.unit_path(member.cell_id)[1]
    reply = await commitments.client.post(
        "/commitments",
        json=body(member),
        headers={**system.token("uy-vien", "committee", commune), "Idempotency-Key": "k-committee"},
    )
    assert reply.status_code == 201, reply.text
    assert await written(commitments) == (1, 1, 1)


async def test_the_same_idempotency_key_twice_gives_one_event_and_the_same_answer(system, small_directory, commitments):
    member = small_directory.members[2]
    first = await file_commitment(system, commitments, member, key="retry-after-timeout-1")
    second = await file_commitment(system, commitments, member, key="retry-after-timeout-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert await written(commitments) == (1, 1, 1)
    records = await system.read_topic(COMMITMENTS.name, at_least=1)
    assert len(records) == 1


async def test_a_second_commitment_for_the_year_is_409_with_the_existing_entry(system, small_directory, commitments):
    member = small_directory.members[3]
    first = await file_commitment(system, commitments, member, key="first-filing-0001")
    again = await file_commitment(system, commitments, member, key="second-filing-0001")
    assert again.status_code == 409, again.text
    assert again.json()["errors"] == [
        {"field": "year", "reason": f"{member.member_id} already filed a commitment for 2026"}
    ]
    assert again.json()["existing"]["commitment_id"] == first.json()["commitment_id"]
    assert await written(commitments) == (1, 1, 1)


async def test_a_reused_key_with_another_body_is_refused(system, small_directory, commitments):
    member = small_directory.members[3]
    await file_commitment(system, commitments, member, key="reused-key-0001")
    reply = await file_commitment(system, commitments, member, year=2025, key="reused-key-0001")
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await written(commitments) == (1, 1, 1)


@pytest.mark.parametrize(
    "payload, field, reason",
    [
        ({"year": 2026}, "member_id", "Field required"),
        ({"member_id": "nobody-here", "year": 2026}, "member_id", "unknown member"),
        ({"member_id": "{member}", "year": 2031}, "year", "in the future"),
        ({"member_id": "{member}", "year": 2026, "colour": "red"}, "colour", "Extra inputs are not permitted"),
    ],
)
async def test_bad_input_names_the_field_and_writes_nothing(
    system, small_directory, commitments, payload, field, reason
):
    member = small_directory.members[0]
    payload = {k: (member.member_id if v == "{member}" else v) for k, v in payload.items()}
    reply = await commitments.client.post(
        "/commitments",
        json=payload,
        headers={**system.token("tinh-uy", "committee", "lc"), "Idempotency-Key": "bad-input-0001"},
    )
    assert 400 <= reply.status_code < 500, reply.text
    errors = reply.json()["errors"]
    assert any(e["field"] == field and reason in e["reason"] for e in errors), errors
    assert await written(commitments) == (0, 0, 0)


async def test_a_missing_idempotency_key_is_refused(system, small_directory, commitments):
    member = small_directory.members[0]
    reply = await commitments.client.post(
        "/commitments", json=body(member), headers=system.token(member.member_id, "member", member.cell_id)
    )
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert await written(commitments) == (0, 0, 0)


async def test_an_oversized_body_is_413(system, small_directory, commitments):
    member = small_directory.members[0]
    reply = await commitments.client.post(
        "/commitments",
        content=b"{" + b" " * 300_000 + b"}",
        headers={
            **system.token(member.member_id, "member", member.cell_id),
            "Idempotency-Key": "oversized-001",
            "Content-Type": "application/json",
        },
    )
    assert reply.status_code == 413
    assert reply.json()["errors"][0]["field"] == "body"
    assert await written(commitments) == (0, 0, 0)


async def test_cadres_file_their_own_commitment_but_never_rate_it(system, small_directory, commitments):
    secretary = next(m for m in small_directory.members if m.is_head)
    as_secretary = system.token(secretary.member_id, "cell_secretary", secretary.cell_id)
    filed = await commitments.client.post(
        "/commitments", json=body(secretary), headers={**as_secretary, "Idempotency-Key": "own-filing-0001"}
    )
    assert filed.status_code == 201, filed.text
    commitment_id = filed.json()["commitment_id"]
    own_rating = await commitments.client.post(
        f"/commitments/{commitment_id}/rating",
        json={"rating": "good"},
        headers={**as_secretary, "Idempotency-Key": "own-rating-0001"},
    )
    assert own_rating.status_code == 403 and "own commitment" in own_rating.json()["detail"]
    assert await written(commitments) == (1, 1, 1)


async def test_a_batch_with_a_row_outside_the_subtree_writes_nothing(system, small_directory, commitments):
    first = small_directory.members[0]
    commune = small_directory.unit_path(first.cell_id)[1]
    outsider = next(m for m in small_directory.members if small_directory.unit_path(m.cell_id)[1] != commune)
    items = [{"line": 2, **body(first)}, {"line": 3, **body(outsider)}]
    reply = await commitments.client.post(
        "/commitments/batch",
        json={"items": items},
        headers={**system.token("dang-uy", "committee", commune), "Idempotency-Key": "batch-outside-01"},
    )
    assert reply.status_code == 403 and "line 3" in reply.json()["detail"]
    assert await written(commitments) == (0, 0, 0)


async def test_a_member_whose_cell_or_a_unit_above_it_is_not_known_here_yet_is_a_503_that_writes_nothing(
    system, small_directory, commitments
):
    """The directory's topics arrive independently: a member can be known before their cell, or the cell before
    its commune. A filing then would carry a partial unit path for good (counted nowhere above it); it waits."""
    province = small_directory.unit_path(small_directory.members[0].cell_id)[0]
    commune = OrgUnitRegistered(unit_id="lc-moi", name="Đảng bộ xã Mới", level="grassroots", parent_id=province)
    cell = OrgUnitRegistered(
        unit_id="lc-moi-cb1", name="Chi bộ thôn Mới", level="cell", parent_id=commune.unit_id, cell_kind="rural"
    )
    member = small_directory.members[0].model_copy(update={"member_id": "dv-moi-1", "cell_id": cell.unit_id})

    async def arrives(event) -> None:
        async with commitments.runtime.pool.acquire() as conn:
            await directory.HANDLERS[event.event_type](conn, event, None)

    await arrives(member)
    for missing_above in (cell, commune):  # the cell unknown, then its commune
        reply = await file_commitment(system, commitments, member, key="new-cell-2026")
        assert reply.status_code == 503, reply.text
        assert reply.headers["Retry-After"] == "5"
        [error] = reply.json()["errors"]
        assert error["field"] == "member_id" and "does not yet know every unit above" in error["reason"], error
        assert await written(commitments) == (0, 0, 0)
        await arrives(missing_above)
    reply = await file_commitment(system, commitments, member, key="new-cell-2026")  # the same request, now whole
    assert reply.status_code == 201, reply.text
    body = await commitments.runtime.pool.fetchval("SELECT body FROM outbox")
    assert json.loads(body)["unit_path"] == [province, commune.unit_id, cell.unit_id]
