"""Bad input to services/commitments: a 4xx that names the field and the reason, and nothing written."""

import unicodedata
import uuid

import pytest

from tests.integration.flows import directory_loaded

YEAR = 2026


@pytest.fixture
async def commitments(system, small_directory):
    async with system.service("commitments") as service:
        await system.import_directory(small_directory)
        await directory_loaded(service, small_directory)
        yield service


async def outbox_size(service) -> int:
    return await service.runtime.pool.fetchval("SELECT count(*) FROM outbox")


def members_of_two_cells(directory):
    """A member, one of another commune, and the first member's cell mates."""
    first = directory.members[0]
    commune = directory.unit_path(first.cell_id)[1]
    other = next(m for m in directory.members if directory.unit_path(m.cell_id)[1] != commune)
    mates = [m.member_id for m in directory.members if m.cell_id == first.cell_id]
    return first, other, mates


def session(cell_id, mates, **changes):
    return {
        "cell_id": cell_id,
        "held_on": f"{YEAR}-03-04",
        "month": f"{YEAR}-03",
        "kind": "regular",
        "topic_title": "Học tập tấm gương đạo đức Hồ Chí Minh",
        "present": mates,
        **changes,
    }


CASES = {
    # name: (who posts, path, body, earlier post that succeeds or None, status, field, reason)
    "missing field": (
        "secretary",
        "/commitments",
        lambda f, o, m: {"year": YEAR},
        None,
        422,
        "member_id",
        "Field required",
    ),
    "unknown member": (
        "committee",
        "/commitments",
        lambda f, o, m: {"member_id": "lc-x99999-c01-m001", "year": YEAR},
        None,
        422,
        "member_id",
        "unknown member",
    ),
    "member of another unit": (
        "commune",
        "/commitments",
        lambda f, o, m: {"member_id": o.member_id, "year": YEAR},
        None,
        403,
        "unit",
        "outside the subtree",
    ),
    "year in the future": (
        "committee",
        "/commitments",
        lambda f, o, m: {"member_id": f.member_id, "year": YEAR + 1},
        None,
        422,
        "year",
        "in the future",
    ),
    "second commitment for the year": (
        "committee",
        "/commitments",
        lambda f, o, m: {"member_id": f.member_id, "year": YEAR},
        "same",
        409,
        "year",
        "already filed a commitment for 2026",
    ),
    "second regular session in a month": (
        "secretary",
        "/sessions",
        lambda f, o, m: session(f.cell_id, m),
        "same",
        409,
        "month",
        "send an amendment",
    ),
    "text in decomposed Unicode": (
        "committee",
        "/commitments",
        lambda f, o, m: {
            "member_id": f.member_id,
            "year": YEAR,
            "limitations": [unicodedata.normalize("NFD", "Ngại va chạm")],
        },
        None,
        422,
        "limitations.0",
        "Unicode NFC",
    ),
    "session attendee from another cell": (
        "secretary",
        "/sessions",
        lambda f, o, m: session(f.cell_id, [*m, o.member_id]),
        None,
        422,
        "present",
        "not members of this cell",
    ),
    "session date outside its month": (
        "secretary",
        "/sessions",
        lambda f, o, m: session(f.cell_id, m, held_on=f"{YEAR}-04-01"),
        None,
        422,
        "held_on",
        "is not in 2026-03",
    ),
    "thematic session naming a topic not in the catalogue": (
        "secretary",
        "/sessions",
        lambda f, o, m: session(f.cell_id, m, kind="thematic", topic_id="cd-khong-co"),
        None,
        422,
        "topic_id",
        "not in the catalogue",
    ),
    "a topic issued twice": (
        "committee",
        "/topics",
        lambda f, o, m: {"topic_id": "cd-2026-01", "year": YEAR, "title": "Nêu gương", "issuing_unit_id": "lc"},
        True,
        409,
        "topic_id",
        "already in the catalogue",
    ),
    "a topic issued by a cell": (
        "committee",
        "/topics",
        lambda f, o, m: {"topic_id": "cd-chi-bo", "year": YEAR, "title": "Nêu gương", "issuing_unit_id": f.cell_id},
        None,
        422,
        "issuing_unit_id",
        "a committee above it issues them",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
async def test_bad_input_is_refused_with_field_and_reason(system, small_directory, commitments, case):
    who, path, make_body, earlier, status, field, reason = CASES[case]
    first, other, mates = members_of_two_cells(small_directory)
    token = {
        "secretary": system.token("bi-thu", "cell_secretary", first.cell_id),
        "committee": system.token("tinh-uy", "committee", "lc"),
        "commune": system.token("dang-uy-xa", "committee", small_directory.unit_path(first.cell_id)[1]),
    }[who]
    body = make_body(first, other, mates)
    if earlier:
        ok = await commitments.client.post(path, json=body, headers={**token, "Idempotency-Key": "first-0001"})
        assert ok.status_code == 201, ok.text
    before = await outbox_size(commitments)
    reply = await commitments.client.post(path, json=body, headers={**token, "Idempotency-Key": f"k-{uuid.uuid4()}"})
    assert reply.status_code == status, reply.text
    errors = reply.json()["errors"]
    assert any(e["field"] == field and reason in e["reason"] for e in errors), errors
    assert reason in reply.json()["detail"]
    assert await outbox_size(commitments) == before


async def test_an_oversized_body_is_refused_before_parsing(system, small_directory, commitments):
    first, _, _ = members_of_two_cells(small_directory)
    huge = {"member_id": first.member_id, "year": YEAR, "limitations": ["x" * 1000] * 300}
    reply = await commitments.client.post(
        "/commitments",
        json=huge,
        headers={**system.token("tinh-uy", "committee", "lc"), "Idempotency-Key": "oversized-0001"},
    )
    assert reply.status_code == 413
    assert reply.json()["errors"] == [{"field": "body", "reason": reply.json()["errors"][0]["reason"]}]
    assert "over the limit" in reply.json()["detail"]
    assert await outbox_size(commitments) == 0
