"""Projections over a generated history: every figure equals a brute-force recount; redelivery and a
rebuild change nothing."""

import asyncio
from datetime import date

import pytest

from ops.directory.demo import build_demo_directory
from ops.rebuild import rebuild, table_digest
from schemas import MemberRegistered, OrgUnitRegistered, encode, wrap
from schemas.commitments import CommitmentFiled
from services.projections.app import DEFINITION
from services.projections.store import READ_MODEL
from tests.integration import history
from tests.integration.flows import directory_loaded, figure
from tests.integration.harness import eventually
from tests.scale import RECOUNT_COMMUNES


@pytest.fixture(scope="module")
def directory():
    return build_demo_directory(communes=RECOUNT_COMMUNES)  # 8 communes: ~200 units, ~6.000 members


async def applied(service, expected: int) -> bool:
    return await service.runtime.pool.fetchval("SELECT count(*) FROM inbox") >= expected


async def figures_table(service) -> dict:
    rows = await service.runtime.pool.fetch("SELECT unit_id, period, figure, value FROM unit_figures WHERE value <> 0")
    return {(r["unit_id"], r["period"], r["figure"]): r["value"] for r in rows}


async def rebuild_under_way(service) -> bool:
    """True while the rebuild schema holds some, not yet all, of the replayed events."""
    try:
        filled = await service.runtime.pool.fetchval("SELECT count(*) FROM projections_rebuild.inbox")
    except Exception:
        return False
    return 0 < filled < await service.runtime.pool.fetchval("SELECT count(*) FROM inbox")


async def digests(service) -> dict:
    async with service.runtime.pool.acquire() as conn:
        return {t: await table_digest(conn, "projections", t, c) for t, c in READ_MODEL.items()}


EVERY_KIND = {
    "members_filed_leaders",
    "member_years_self_reviewed_heads",
    "members_rated",
    "members_inspected",
    "units_supervised",
    "honored_members",
    "honored_units",
    "cells_every_regular",
    "attendance_present",
    "owing_member_years_leaders",
    "members_heads",
    "disciplines_after_inspection_reprimand",
    "disciplines_after_other",
    "inspections_by_province",
    "supervisions_by_grassroots",
    "nominations_approved",
    "nominations_rejected",
    "honors_revoked_discipline",
    "honors_of_units",
    "supervision_conclusions_violation",
    "publicity_published_portal",
    "honors_published_fanpage",
    "publicity_retracted_fanpage",
    "honors_retracted",
}
SPANS = ("2025", "2025..2026", "2025-H1..2025-H2", "2025-Q2..2025-Q3", "2025-03", "2024-H2..2025-H1")


def departures(directory) -> list[MemberRegistered]:
    """Forty members who left mid-2025: on the roll at the end of 2025-H1, gone by the end of the year."""
    return [
        m.model_copy(update={"left": True, "left_reason": "transferred", "left_on": date(2025, 6, 30)})
        for m in directory.members[::150][:40]
    ]


async def spans_equal_a_recount(projections, system, wrapped, counters, units, members, unit_id, group, structure):
    """Every figure of a unit (counters over the span's periods, distinct counts, denominators) over every span
    equals the long way round."""
    token = system.token("tinh-uy", "committee", "lc")
    for span in SPANS:
        reply = await projections.client.get(
            f"/units/{unit_id}/figures", params={"period": span, "structure": structure}, headers=token
        )
        assert reply.status_code == 200, reply.text
        actual = {k: v for k, v in reply.json()["figures"].items() if v}
        topics = history.recount_topics(wrapped, units, group, span)
        assert reply.json()["topics"] == topics, (unit_id, span)
        if span == "2025" and unit_id == "lc":  # cells took up both the province's topics and their commune's
            assert len(topics) > 3 and all(t["cells"] for t in topics), topics
        expected = dict(history.recount_span(wrapped, counters, units, members, group, span))
        if span == "2025" and unit_id == "lc":  # the history moves every kind of figure
            assert EVERY_KIND <= expected.keys(), EVERY_KIND - expected.keys()
        assert actual == expected, (
            unit_id,
            span,
            {
                k: (actual.get(k), expected.get(k))
                for k in actual.keys() ^ expected.keys()
                | {k for k in actual.keys() & expected.keys() if actual[k] != expected[k]}
            },
        )


async def test_figures_equal_a_recount_survive_redelivery_and_a_rebuild(system, directory):
    wrapped = history.envelopes(history.generate(directory))
    assert len(wrapped) > 2_500 * RECOUNT_COMMUNES
    expected = history.recount(wrapped)
    directory_events = len(directory.units) + len(directory.members)
    gone = departures(directory)
    members = [*{m.member_id: m for m in [*directory.members, *gone]}.values()]
    async with system.service("projections") as projections:
        await system.import_directory(directory)
        await directory_loaded(projections, directory)
        await system.publish_many(
            [
                (
                    m.topic,
                    m.key().encode(),
                    encode(
                        wrap(
                            m,
                            producer="directory",
                            actor="import",
                            unit_path=directory.unit_path(m.cell_id),
                            correlation_id="departures",
                        )
                    ),
                )
                for m in gone
            ]
        )
        await eventually(
            lambda: _equals(
                projections.runtime.pool.fetchval("SELECT count(*) FROM directory_members WHERE left_on IS NOT NULL"),
                len(gone),
            )
        )
        directory_events += len(gone)
        await system.publish_many(history.records(wrapped))
        await eventually(lambda: applied(projections, directory_events + len(wrapped)), timeout=180)

        actual = await figures_table(projections)
        assert len({unit for unit, _, _ in actual}) > 25 * RECOUNT_COMMUNES
        missing = {k: v for k, v in expected.items() if actual.get(k) != v}
        extra = {k: v for k, v in actual.items() if k not in expected}
        assert not missing and not extra, (list(missing.items())[:5], list(extra.items())[:5])
        communes = [u for u in directory.units if u.level == "grassroots"]
        cells = [u for u in directory.units if u.level == "cell"]
        for unit in ("lc", communes[0].unit_id, communes[-1].unit_id, cells[0].unit_id, cells[-1].unit_id):
            await spans_equal_a_recount(
                projections, system, wrapped, expected, directory.units, members, unit, {unit}, "historical"
            )

        before = await digests(projections)
        await system.publish_many(history.records(wrapped))  # every event delivered a second time
        duplicates = projections.app.state.registry
        group = projections.runtime.settings.consumer_group

        async def all_redelivered() -> bool:
            seen = sum(
                duplicates.get_sample_value(
                    "neuguong_events_consumed_total", {"group": group, "event_type": t, "outcome": "duplicate"}
                )
                or 0
                for t in {e.event_type for e, _ in wrapped}
            )
            return seen >= len(wrapped)

        await eventually(all_redelivered, timeout=180)
        assert await digests(projections) == before

        figures_before = await projections.client.get(
            "/units/lc/figures", params={"period": "2025"}, headers=system.token("tinh-uy", "committee", "lc")
        )
        rebuilding = asyncio.create_task(rebuild(DEFINITION, projections.runtime.settings, READ_MODEL))
        answered_mid_rebuild = 0
        while not rebuilding.done():  # queries keep answering, from the live tables, while it runs
            during = await projections.client.get(
                "/units/lc/figures", params={"period": "2025"}, headers=system.token("tinh-uy", "committee", "lc")
            )
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
        late = wrap(
            CommitmentFiled(commitment_id="late-1", member_id=member.member_id, cell_id=member.cell_id, year=2027),
            producer="commitments",
            actor=member.member_id,
            unit_path=directory.unit_path(member.cell_id),
            correlation_id="after-rebuild",
        )
        await system.publish_raw("commitments.events", encode(late), member.member_id.encode())
        await eventually(lambda: figure(projections, system, "lc", "commitments_filed", "2027"))

        # Across a merger: two communes become one; over the span its figures are both communes' own, counted
        # once per person, with the denominators of the merged subtree.
        a, b = communes[-2], communes[-1]
        merged = OrgUnitRegistered(
            unit_id="lc-x-moi", name="Đảng bộ xã Hợp Nhất", level="grassroots", parent_id="lc", kind="territorial"
        )
        after = [merged, *(u.model_copy(update={"dissolved": True, "merged_into": merged.unit_id}) for u in (a, b))]
        after += [
            u.model_copy(update={"parent_id": merged.unit_id}) for u in cells if u.parent_id in (a.unit_id, b.unit_id)
        ]
        await system.publish_many(
            [
                (
                    u.topic,
                    u.key().encode(),
                    encode(wrap(u, producer="directory", actor="import", unit_path=["lc"], correlation_id="merger")),
                )
                for u in after
            ]
        )
        await eventually(
            lambda: _equals(
                projections.runtime.pool.fetchval("SELECT count(*) FROM directory_units WHERE parent_id = 'lc-x-moi'"),
                len(after) - 3,
            )
        )
        units = [*{u.unit_id: u for u in [*directory.units, *after]}.values()]
        group = {merged.unit_id, a.unit_id, b.unit_id}
        await spans_equal_a_recount(
            projections, system, wrapped, expected, units, members, merged.unit_id, group, "current"
        )


async def _equals(value, expected) -> bool:
    return await value == expected
