"""Input that looks valid but is not (issue 16, issue 10 §3), on the real services: each gets a 4xx naming the
field (or 401/413/503 as stated), never a 500, and writes nothing in store, outbox or idempotency records."""

import asyncpg
import pytest

from neuguong.periods import today_local
from tests.integration.edge import key, named, rows_held, spellings
from tests.integration.flows import directory_loaded

TODAY = today_local()
MONTH = f"{TODAY:%Y-%m}"


@pytest.fixture
async def honors(system, small_directory):
    async with system.service("honors") as service:
        await system.import_directory(small_directory)
        await directory_loaded(service, small_directory)
        yield service


def honor(subject_id, period=MONTH, **changes):
    return {
        "subject": {"kind": "member", "id": subject_id},
        "period": period,
        "deed": "Vận động bà con hiến 300 m² đất mở đường liên thôn",
        "proposed_by": "Chi ủy chi bộ",
        "approved_by": "Chi bộ họp ngày 05",
        "consent_to_publish": True,
        **changes,
    }


async def test_three_spellings_of_one_period_make_one_honor_and_two_refusals(system, small_directory, honors):
    member = small_directory.members[0]
    secretary = system.token("bi-thu", "cell_secretary", member.cell_id)
    replies = []
    for period in spellings(MONTH):
        before = await rows_held(honors)
        reply = await honors.client.post(
            "/honors", json=honor(member.member_id, period), headers={**secretary, **key()}
        )
        replies.append(reply)
        if reply.status_code != 201:
            assert await rows_held(honors) == before
    assert [r.status_code for r in replies] == [201, 422, 422], [r.text for r in replies]
    assert all(named(r, "period", "ASCII 0-9") for r in replies[1:])
    assert await honors.runtime.pool.fetchval("SELECT count(*) FROM honors") == 1
    assert await honors.runtime.pool.fetchval("SELECT count(*) FROM outbox") == 1
    for period in spellings(MONTH)[1:]:
        listed = await honors.client.get("/honors", params={"period": period}, headers=secretary)
        assert listed.status_code == 422 and named(listed, "query.period", "ASCII 0-9")


async def test_year_0000_nul_bytes_and_control_characters_are_4xx_that_write_nothing(system, small_directory, honors):
    member = small_directory.members[0]
    secretary = system.token("bi-thu", "cell_secretary", member.cell_id)
    before = await rows_held(honors)
    cases = [
        (await honors.client.get("/honors", params={"period": "0000"}, headers=secretary), "query.period"),
        (await honors.client.get("/honors/%00", headers=secretary), "path.honor_id"),
        (await honors.client.get("/honors", params={"after": "a\x00b"}, headers=secretary), "query.after"),
        (
            await honors.client.get(f"/subjects/member/{member.member_id}%00/honors", headers=secretary),
            "path.subject_id",
        ),
        (
            await honors.client.post("/honors", json=honor(member.member_id, "0000"), headers={**secretary, **key()}),
            "period",
        ),
        (
            await honors.client.post(
                "/honors", json=honor(member.member_id, deed="Hiến đất\x00"), headers={**secretary, **key()}
            ),
            "deed",
        ),
        (
            await honors.client.post(
                "/honors", json=honor(member.member_id, approved_by="Chi bộ\x1b[31m"), headers={**secretary, **key()}
            ),
            "approved_by",
        ),
        (
            await honors.client.post("/honors/x%00/revocation", json={"reason": "r"}, headers={**secretary, **key()}),
            "path.honor_id",
        ),
    ]
    for reply, field in cases:
        assert reply.status_code == 422 and named(reply, field), (field, reply.status_code, reply.text)
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.json()["correlation_id"] == reply.headers["x-correlation-id"]
    assert await rows_held(honors) == before


async def test_inspections_refuse_year_0000_and_foreign_digits(system, small_directory):
    member = small_directory.members[0]
    async with system.service("inspections") as inspections:
        await system.import_directory(small_directory)
        await directory_loaded(inspections, small_directory)
        inspector = system.token("ubkt", "inspector", "lc")
        before = await rows_held(inspections)
        body = {"kind": "inspection", "target": {"kind": "member", "id": member.member_id}, "topic_title": "Kiểm tra"}
        for period in ("0000", "٢٠٢٦", "２０２６-Q1"):
            opened = await inspections.client.post(
                "/inspections", json={**body, "period": period}, headers={**inspector, **key()}
            )
            assert opened.status_code == 422 and named(opened, "period"), opened.text
        early = await inspections.client.post(
            "/inspections", json={**body, "period": "2026", "opened_on": "0001-01-01"}, headers={**inspector, **key()}
        )
        assert early.status_code == 422 and named(early, "opened_on"), early.text
        for path in ("/inspections", "/disciplines"):
            listed = await inspections.client.get(path, params={"period": "0000"}, headers=inspector)
            assert listed.status_code == 422 and named(listed, "query.period"), listed.text
        assert await rows_held(inspections) == before


async def test_offsets_past_2_63_and_foreign_digits_in_queries_are_422(system, small_directory):
    async with system.service("projections") as projections:
        committee = system.token("tinh-uy", "committee", "lc")
        base = "/units/lc/compliance"
        queries = [
            (f"{base}/members-without-commitment", {"year": "2026", "offset": str(2**63)}, "query.offset"),
            (f"{base}/members-without-commitment", {"year": "2026", "offset": str(2**64 + 5)}, "query.offset"),
            (f"{base}/missing-honor-roll", {"period": "2026", "offset": str(2**63 - 1)}, "query.offset"),
            (f"{base}/missing-regular-sessions", {"month": "٢٠٢٦-05"}, "query.month"),
            (f"{base}/missing-thematic-sessions", {"quarter": "２０２６-Q2"}, "query.quarter"),
            ("/units/lc/figures", {"period": "0000"}, "query.period"),
            ("/units/lc%00/figures", {"period": "2026"}, "path.unit_id"),
        ]
        for path, params, field in queries:
            reply = await projections.client.get(path, params=params, headers=committee)
            assert reply.status_code == 422 and named(reply, field), (path, reply.status_code, reply.text)


async def test_a_batch_refuses_its_bad_rows_alone(system, small_directory):
    members = small_directory.members[:3]
    async with system.service("commitments") as commitments:
        await system.import_directory(small_directory)
        await directory_loaded(commitments, small_directory)
        committee = system.token("tinh-uy", "committee", "lc")
        rows = [
            {"line": 2, "member_id": members[0].member_id, "year": TODAY.year, "limitations": ["Ngại va chạm"]},
            {"line": 3, "member_id": members[1].member_id, "year": TODAY.year, "limitations": ["Ngại\x00 va chạm"]},
            {"line": 4, "member_id": members[2].member_id, "year": "٢٠٢٦"},
            {
                "line": 5,
                "member_id": members[2].member_id,
                "year": TODAY.year,
                "plan": [{"title": "x", "deadline": "0001-01-01"}],
            },
        ]
        reply = await commitments.client.post(
            "/commitments/batch", json={"items": rows}, headers={**committee, **key()}
        )
        assert reply.status_code == 200, reply.text
        results = {r["line"]: r for r in reply.json()["results"]}
        assert results[2]["status"] == "created"
        assert (results[3]["status"], results[3]["field"]) == ("rejected", "limitations.0")
        assert results[3]["reason"].startswith("U+0000 is not allowed")  # worded as a single command's refusal
        assert (results[4]["status"], results[4]["field"]) == ("rejected", "year")
        assert (results[5]["status"], results[5]["field"]) == ("rejected", "plan.0.deadline")
        assert await commitments.runtime.pool.fetchval("SELECT count(*) FROM commitments") == 1


async def test_a_chunked_body_over_the_limit_is_413_and_writes_nothing(system, small_directory):
    async with system.service("commitments", max_body_bytes=4096) as commitments:
        before = await rows_held(commitments)

        async def chunks():
            yield b'{"member_id": "m1", "year": 2026, "limitations": ['
            for _ in range(100):
                yield b'"' + b"x" * 100 + b'",'
            yield b'"x"]}'

        reply = await commitments.client.post(
            "/commitments",
            content=chunks(),
            headers={**system.token("tinh-uy", "committee", "lc"), **key(), "Content-Type": "application/json"},
        )
        assert reply.status_code == 413 and named(reply, "body", "more than 4096 bytes"), reply.text
        assert await rows_held(commitments) == before


async def test_a_database_outage_is_503_with_retry_after_and_the_correlation_id(system, small_directory, honors):
    member = small_directory.members[0]
    secretary = system.token("bi-thu", "cell_secretary", member.cell_id)
    working = honors.runtime.pool
    honors.runtime.pool = await asyncpg.create_pool(host="127.0.0.1", port=9, min_size=0, user="x", password="x")
    try:
        command = await honors.client.post(
            "/honors", json=honor(member.member_id), headers={**secretary, **key(), "X-Correlation-Id": "corr-outage"}
        )
        query = await honors.client.get("/honors", headers=secretary)
    finally:
        await honors.runtime.pool.close()
        honors.runtime.pool = working
    for reply in (command, query):
        assert reply.status_code == 503 and int(reply.headers["retry-after"]) > 0, reply.text
        assert named(reply, "-", "database cannot be reached")
    assert command.json()["correlation_id"] == command.headers["x-correlation-id"] == "corr-outage"
    assert await working.fetchval("SELECT count(*) FROM honors") == 0


async def test_a_token_in_another_algorithm_is_401(system, honors):
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    forged = jwt.encode(
        {"sub": "x", "role": "operator", "unit": "lc", "iss": "neuguong", "aud": "neuguong", "exp": 4102444800},
        rsa.generate_private_key(65537, 2048),
        algorithm="RS256",
    )
    reply = await honors.client.get("/honors", headers={"Authorization": f"Bearer {forged}"})
    assert reply.status_code == 401 and named(reply, "authorization", "algorithm"), reply.text
