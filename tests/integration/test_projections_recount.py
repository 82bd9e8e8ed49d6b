"""Projections over a generated history: every figure equals a brute-force recount; redelivery and a
rebuild change nothing."""

import asyncio

import pytest

from neuguong.directory.demo import build_demo_directory
from neuguong.rebuild import rebuild, table_digest
from schemas import encode, wrap
from schemas.commitments import CommitmentFiled
from services.projections.app import DEFINITION
from services.projections.store import READ_MODEL
from tests.integration import history
from tests.integration.flows import directory_loaded, figure
from tests.integration.harness import eventually


@pytest.fixture(scope="module")
def directory():
    return build_demo_directory(communes=8)  # ~200 units, ~6.000 members


async def applied(service, expected: int) -> bool:
    return await service.runtime.pool.fetchval("SELECT count(*) FROM inbox") >= expected


async def figures_table(service) -> dict:
    rows = await service.runtime.pool.fetch("SELECT unit_id, period, figure, value FROM unit_figures WHERE value <> 0")
    return {(r["unit_id"], r["period"], r["figure"]): r["value"] for r in rows}


async def rebuild_under_way(service) -> bool:
    """True while the rebuild schema holds some, not yet all, of the replayed events."""
    try:
        filled = await service.runtime.pool.fetchval("SELECT count(*) FROM projections_rebuild.inbox")
    except Exception:  # noqa: BLE001 - not created yet, or already swapped away
        return False
    return 0 < filled < await service.runtime.pool.fetchval("SELECT count(*) FROM inbox")


async def digests(service) -> dict:
    async with service.runtime.pool.acquire() as conn:
        return {t: await table_digest(conn, "projections", t, c) for t, c in READ_MODEL.items()}


async def test_figures_equal_a_recount_survive_redelivery_and_a_rebuild(system, directory):
    wrapped = history.envelopes(history.generate(directory))
    assert len(wrapped) > 20_000
    expected = history.recount(wrapped)
    directory_events = len(directory.units) + len(directory.members)
    async with system.service("projections") as projections:
        await system.import_directory(directory)
        await directory_loaded(projections, directory)
        await system.publish_many(history.records(wrapped))
        await eventually(lambda: applied(projections, directory_events + len(wrapped)), timeout=180)

        actual = await figures_table(projections)
        assert len({unit for unit, _, _ in actual}) > 200
        missing = {k: v for k, v in expected.items() if actual.get(k) != v}
        extra = {k: v for k, v in actual.items() if k not in expected}
        assert not missing and not extra, (list(missing.items())[:5], list(extra.items())[:5])

        before = await digests(projections)
        await system.publish_many(history.records(wrapped))  # every event delivered a second time
        duplicates = projections.app.state.registry
        group = projections.runtime.settings.consumer_group

        async def all_redelivered() -> bool:
            seen = sum(duplicates.get_sample_value("neuguong_events_consumed_total",
                                                   {"group": group, "event_type": t, "outcome": "duplicate"}) or 0
                       for t in {e.event_type for e, _ in wrapped})
            return seen >= len(wrapped)

        await eventually(all_redelivered, timeout=180)
        assert await digests(projections) == before

        figures_before = await projections.client.get(
            "/units/lc/figures", params={"period": "2025"}, headers=system.token("tinh-uy", "committee", "lc"))
        rebuilding = asyncio.create_task(rebuild(DEFINITION, projections.runtime.settings, READ_MODEL))
        answered_mid_rebuild = 0
        while not rebuilding.done():  # queries keep answering, from the live tables, while it runs
            during = await projections.client.get(
                "/units/lc/figures", params={"period": "2025"}, headers=system.token("tinh-uy", "committee", "lc"))
            assert during.status_code == 200 and during.json()["figures"] == figures_before.json()["figures"]
            answered_mid_rebuild += await rebuild_under_way(projections)
            await asyncio.sleep(0.2)
        result = await rebuilding
        assert answered_mid_rebuild > 0  # some answers came while the new tables were half filled
        assert result.replayed == directory_events + 2 * len(wrapped)
        assert {t: live for t, (live, _) in result.digests.items()} == before
        assert {t: rebuilt for t, (_, rebuilt) in result.digests.items()} == before
        assert await digests(projections) == before

        # The live consumer goes on writing into the swapped-in tables.
        member = directory.members[0]
        late = wrap(CommitmentFiled(commitment_id="late-1", member_id=member.member_id, cell_id=member.cell_id,
                                    year=2027), producer="commitments", actor=member.member_id,
                    unit_path=directory.unit_path(member.cell_id), correlation_id="after-rebuild")
        await system.publish_raw("commitments.events", encode(late), member.member_id.encode())
        await eventually(lambda: figure(projections, system, "lc", "commitments_filed", "2027"))
