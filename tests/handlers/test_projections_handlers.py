"""services/projections' event handlers on PostgreSQL alone (no Kafka): events go straight into the HANDLERS
table, and the figures are read as the HTTP routes read them, over a unit's whole subtree and cut into
periods in local time."""

from datetime import date

import pytest

from neuguong.cadence import levels_recording
from neuguong.membership import is_exempt
from neuguong.numbers import vi_percent
from schemas import CommitmentFiled, HonorRecorded, OrgUnitRegistered, SessionHeld, wrap
from schemas.commitments import CommitmentRated, SelfReflectionRecorded, SessionAmended, ThematicTopicIssued
from schemas.honors import HonorNominated, HonorRejected, HonorRevoked, HonorSubject
from schemas.inspections import DisciplineImposed, InspectionConcluded, InspectionOpened, Target
from schemas.notifications import PublicityDelivered, PublicityRetracted
from services.projections import store
from services.projections.api import figures_of
from services.projections.handlers import HANDLERS
from tests.handlers.layer import at, command_layer

pytestmark = pytest.mark.handlers

FIRST_HALF = ("2026", "2026-H1", "2026-Q2", "2026-06")


@pytest.fixture
async def layer(small_directory):
    async for layer in command_layer("projections", small_directory):
        yield layer


@pytest.fixture
def tree(small_directory):
    """A cell, its commune, a sibling cell and the other commune."""
    communes = [u for u in small_directory.units if u.level == "grassroots"]
    cells = [u for u in small_directory.units if u.parent_id == communes[0].unit_id]
    return {
        "cell": cells[0].unit_id,
        "sibling": cells[1].unit_id,
        "commune": communes[0].unit_id,
        "other_commune": communes[1].unit_id,
        "path": small_directory.unit_path(cells[0].unit_id),
    }


async def apply(layer, path, *events):
    """Hand each event to its handler, as the consumer does, in one transaction."""
    async with layer.pool.acquire() as conn, conn.transaction():
        for event in events:
            envelope = wrap(event, producer="test", actor="test", unit_path=path, correlation_id="handler-test")
            await HANDLERS[event.event_type](conn, event, envelope)


async def figure(layer, unit_id, name, period):
    """One figure of a unit over its subtree, as /units/{unit_id}/figures shows it."""
    async with layer.pool.acquire() as conn:
        return (await figures_of(conn, unit_id, period, "historical"))["figures"].get(name, 0)


def session(cell_id, held_on, event=SessionHeld, **changes):
    return event(
        session_id="s-1",
        cell_id=cell_id,
        held_on=held_on,
        month=held_on.isoformat()[:7],
        kind="regular",
        topic_title="Học tập phong cách dân chủ của Bác",
        **changes,
    )


async def test_a_june_session_counts_in_its_quarter_half_and_year_over_the_subtree(layer, tree):
    await apply(layer, tree["path"], session(tree["cell"], date(2026, 6, 30)))
    for unit in ("lc", tree["commune"], tree["cell"]):
        assert [await figure(layer, unit, "sessions_regular", p) for p in FIRST_HALF] == [1, 1, 1, 1], unit
        assert [await figure(layer, unit, "sessions_regular", p) for p in ("2026-H2", "2026-Q3", "2026-07")] == [
            0,
            0,
            0,
        ], unit
    assert await figure(layer, tree["sibling"], "sessions_regular", "2026") == 0
    assert await figure(layer, tree["other_commune"], "sessions_regular", "2026") == 0
    async with layer.pool.acquire() as conn:
        children = (await figures_of(conn, tree["commune"], "2026-Q2", "historical"))["children"]
    assert {c["unit_id"]: c["figures"].get("sessions_regular", 0) for c in children}[tree["cell"]] == 1
    assert sum(c["figures"].get("sessions_regular", 0) for c in children) == 1


async def test_an_amendment_into_july_moves_the_session_to_the_second_half(layer, tree):
    await apply(
        layer,
        tree["path"],
        session(tree["cell"], date(2026, 6, 30)),
        session(tree["cell"], date(2026, 7, 1), SessionAmended, revision=2, reason="Ghi nhầm ngày"),
    )
    assert [await figure(layer, tree["commune"], "sessions_regular", p) for p in FIRST_HALF] == [1, 0, 0, 0]
    assert [await figure(layer, tree["commune"], "sessions_regular", p) for p in ("2026-H2", "2026-Q3", "2026-07")] == [
        1,
        1,
        1,
    ]


async def test_findings_count_in_the_periods_of_their_local_dates(layer, tree):
    member = Target(kind="member", id=f"{tree['cell']}-m001")
    eve, new_year = at("2026-12-31T23:30:00+07:00").today(), at("2027-01-01T00:30:00+07:00").today()
    await apply(
        layer,
        tree["path"],
        InspectionOpened(
            target=member,
            inspection_id="kt-1",
            kind="inspection",
            topic_title="Kiểm tra",
            period="2026",
            committee_unit_id=tree["commune"],
            opened_on=date(2026, 12, 1),
        ),
        InspectionConcluded(
            target=member,
            inspection_id="kt-1",
            kind="inspection",
            period="2026",
            conclusion="violation",
            summary="Vi phạm",
            concluded_on=eve,
        ),
        InspectionOpened(
            target=member,
            inspection_id="gs-1",
            kind="supervision",
            topic_title="Giám sát",
            period="2026-H2",
            committee_unit_id=tree["commune"],
            opened_on=new_year,
        ),
        DisciplineImposed(
            target=member,
            discipline_id="kl-1",
            measure="warning",
            decided_on=date(2026, 7, 1),
            reason="Vi phạm",
            decided_by_unit=tree["commune"],
        ),
    )
    assert await figure(layer, "lc", "conclusions_violation", "2026-12") == 1
    assert await figure(layer, "lc", "conclusions_violation", "2027") == 0
    assert await figure(layer, tree["commune"], "supervisions_opened", "2027-01") == 1  # 31 Dec in UTC
    assert await figure(layer, tree["commune"], "supervisions_opened", "2026") == 0
    assert await figure(layer, tree["commune"], "inspections_of_members", "2026-Q4") == 1
    assert [await figure(layer, tree["cell"], "disciplines_warning", p) for p in ("2026-H1", "2026-H2", "2026-Q3")] == [
        0,
        1,
        1,
    ]
    assert await figure(layer, tree["other_commune"], "disciplines", "2026") == 0


async def test_a_rerating_moves_the_distribution_and_keeps_leaders_apart(layer, tree):
    member_id = f"{tree['cell']}-m001"
    common = {
        "commitment_id": "k-1",
        "member_id": member_id,
        "cell_id": tree["cell"],
        "year": 2026,
        "is_leader": True,
        "is_head": True,
    }
    await apply(
        layer,
        tree["path"],
        CommitmentFiled(**common),
        CommitmentRated(**common, rating="good", rated_by_unit=tree["cell"]),
        CommitmentRated(**common, rating="excellent", rated_by_unit=tree["commune"]),
    )
    figures = {
        name: await figure(layer, tree["commune"], name, "2026")
        for name in (
            "commitments_filed_leaders",
            "commitments_rated",
            "commitments_rated_heads",
            "rating_good",
            "rating_excellent",
            "rating_excellent_leaders",
        )
    }
    assert figures == {
        "commitments_filed_leaders": 1,
        "commitments_rated": 1,
        "commitments_rated_heads": 1,
        "rating_good": 0,
        "rating_excellent": 1,
        "rating_excellent_leaders": 1,
    }


async def test_an_honor_counts_in_every_period_containing_it_until_revoked(layer, tree):
    subject = HonorSubject(kind="member", id=f"{tree['cell']}-m002", name="Lò Văn Sáng")
    common = {
        "subject": subject,
        "honor_id": "h-1",
        "recording_unit_id": tree["cell"],
        "level": "cell",
        "period": "2026-05",
    }
    await apply(
        layer,
        tree["path"],
        HonorRecorded(**common, deed="Hiến đất làm đường", proposed_by="Chi ủy", approved_by="Bí thư chi bộ"),
    )
    assert [await figure(layer, "lc", "honors_cell", p) for p in ("2026", "2026-H1", "2026-Q2", "2026-05")] == [
        1,
        1,
        1,
        1,
    ]
    await apply(layer, tree["path"], HonorRevoked(**common, reason="Vi phạm", revoked_by="honors"))
    assert await figure(layer, "lc", "honors_cell", "2026-Q2") == 0
    assert await figure(layer, tree["commune"], "honors_revoked", "2026-H1") == 1


async def test_the_missing_honor_roll_list_owes_what_the_cadence_table_says(layer, tree):
    subject = HonorSubject(kind="unit", id=tree["cell"], name="Chi bộ thôn")
    await apply(
        layer,
        [*tree["path"][:2]],
        HonorRecorded(
            subject=subject,
            honor_id="h-2",
            recording_unit_id=tree["commune"],
            level="grassroots",
            period="2026-H1",
            deed="Chi bộ trong sạch, vững mạnh",
            proposed_by="Đảng ủy",
            approved_by="Bí thư đảng ủy",
        ),
    )
    async with layer.pool.acquire() as conn:
        half = await store.units_without_honors(conn, "lc", levels_recording("2026-H1"), "2026-H1", 100, 0)
        quarter = await store.units_without_honors(conn, "lc", levels_recording("2026-Q2"), "2026-Q2", 100, 0)
    assert [row["unit_id"] for row in half] == [tree["other_commune"]]  # no cell owes a half-year entry
    assert quarter == []  # a quarter is nobody's cadence


async def view_of(layer, unit_id, span, structure="historical"):
    async with layer.pool.acquire() as conn:
        return await figures_of(conn, unit_id, span, structure)


def owing(directory, cell_ids, year):
    """Members of the cells who owe a commitment for the year (rule 2), counted from the directory itself."""
    return [
        m
        for m in directory.members
        if m.cell_id in cell_ids
        and not m.left
        and m.admitted_on <= date(year, 12, 31)
        and not is_exempt(m.status, m.admitted_on, year)
    ]


async def test_a_span_counts_acts_per_year_and_members_once_with_shares_of_those_who_owed(layer, tree, small_directory):
    member = next(m for m in small_directory.members if m.cell_id == tree["cell"])
    events = []
    for year in (2025, 2026):
        common = {"commitment_id": f"k-{year}", "member_id": member.member_id, "cell_id": tree["cell"], "year": year}
        events += [
            CommitmentFiled(**common, is_leader=True),
            SelfReflectionRecorded(**common, month=f"{year}-03"),
            SelfReflectionRecorded(**common, month=f"{year}-04"),
        ]
    await apply(layer, tree["path"], *events)
    view = await view_of(layer, tree["commune"], "2025..2026")
    figures = view["figures"]
    assert view["periods"] == ["2025", "2026"]
    assert (figures["commitments_filed"], figures["members_filed"]) == (2, 1)  # two "lượt", one "người"
    assert (figures["commitments_filed_leaders"], figures["members_filed_leaders"]) == (2, 1)
    assert (figures["self_reflections"], figures["members_self_reviewed"], figures["member_years_self_reviewed"]) == (
        4,
        1,
        2,
    )
    cells = {u.unit_id for u in small_directory.units if u.parent_id == tree["commune"]}
    owed = len(owing(small_directory, cells, 2025)) + len(owing(small_directory, cells, 2026))
    assert figures["owing_member_years"] == owed
    assert view["shares"]["filed"]["text"] == vi_percent(2, owed)
    assert figures["members"] == len([m for m in small_directory.members if m.cell_id in cells and not m.left])
    assert figures["cells"] == len(cells)
    one_year = (await view_of(layer, tree["commune"], "2026"))["figures"]
    assert (one_year["commitments_filed"], one_year["members_filed"]) == (1, 1)
    assert view["latest"]["period"] == "2026" and view["previous"]["period"] == "2025"
    assert view["latest"]["figures"]["commitments_filed"] == view["previous"]["figures"]["commitments_filed"] == 1
    halves = (await view_of(layer, tree["commune"], "2025-H2..2026-H1"))["figures"]
    assert halves["self_reflections"] == 2 and halves.get("commitments_filed", 0) == 0  # yearly acts need whole years


async def test_inspected_organisations_and_members_are_counted_once_beside_the_inspections(layer, tree):
    member = Target(kind="member", id=f"{tree['cell']}-m001")
    cell = Target(kind="unit", id=tree["cell"])

    def opened(n, target, kind, day, committee):
        return InspectionOpened(
            target=target,
            inspection_id=f"i-{n}",
            kind=kind,
            topic_title="Kiểm tra",
            period="2026",
            committee_unit_id=committee,
            opened_on=day,
        )

    await apply(
        layer,
        tree["path"],
        opened(1, member, "inspection", date(2025, 3, 1), "lc"),
        opened(2, member, "inspection", date(2026, 3, 1), tree["commune"]),
        opened(3, cell, "supervision", date(2026, 4, 1), tree["commune"]),
        opened(4, cell, "supervision", date(2026, 5, 1), tree["commune"]),
        InspectionConcluded(
            target=member,
            inspection_id="i-2",
            kind="inspection",
            period="2026",
            conclusion="violation",
            summary="Vi phạm",
            concluded_on=date(2026, 4, 1),
        ),
        DisciplineImposed(
            target=member,
            discipline_id="d-1",
            measure="warning",
            decided_on=date(2026, 5, 1),
            reason="Vi phạm",
            inspection_id="i-2",
            decided_by_unit=tree["commune"],
        ),
    )
    figures = (await view_of(layer, "lc", "2025..2026"))["figures"]
    assert (figures["inspections_opened"], figures["members_inspected"]) == (2, 1)
    assert (figures["supervisions_opened"], figures["units_supervised"]) == (2, 1)
    assert (figures["inspections_by_province"], figures["inspections_by_grassroots"]) == (1, 1)
    assert figures["supervisions_by_grassroots"] == 2
    assert figures["inspection_conclusions_violation"] == 1 and figures.get("supervision_conclusions_violation", 0) == 0
    assert (figures["disciplines_after_inspection"], figures["disciplines_after_inspection_warning"]) == (1, 1)


async def test_honors_split_individuals_collectives_nominations_and_causes_of_revocation(layer, tree):
    member = HonorSubject(kind="member", id=f"{tree['cell']}-m002", name="Lò Văn Sáng")
    cell = HonorSubject(kind="unit", id=tree["cell"], name="Chi bộ thôn")

    def recorded(n, subject, period, nomination=None):
        return HonorRecorded(
            subject=subject,
            honor_id=f"h-{n}",
            recording_unit_id=tree["cell"],
            level="cell",
            period=period,
            deed="Gương mẫu",
            proposed_by="Chi ủy",
            approved_by="Bí thư",
            nomination_id=nomination,
        )

    nominated = dict(
        subject=member, recording_unit_id=tree["commune"], period="2026-H1", proposing_unit_id=tree["cell"]
    )
    await apply(
        layer,
        tree["path"],
        recorded(1, member, "2025-05"),
        recorded(2, member, "2026-05", nomination="n-1"),
        recorded(3, cell, "2026-06"),
        HonorNominated(**nominated, nomination_id="n-1", level="grassroots", deed="Gương mẫu", proposed_by="Chi ủy"),
        HonorNominated(**nominated, nomination_id="n-2", level="grassroots", deed="Gương mẫu", proposed_by="Chi ủy"),
        HonorRejected(**nominated, nomination_id="n-2", reason="Chưa đủ tiêu chuẩn", rejected_by="Đảng ủy"),
        HonorRevoked(
            subject=cell,
            honor_id="h-3",
            recording_unit_id=tree["cell"],
            level="cell",
            period="2026-06",
            reason="Chi bộ vi phạm",
            inspection_id="i-9",
            revoked_by="honors",
        ),
    )
    figures = (await view_of(layer, tree["commune"], "2025..2026"))["figures"]
    assert (figures["honors"], figures["honors_of_members"], figures["honored_members"]) == (2, 2, 1)
    assert figures.get("honors_of_units", 0) == figures.get("honored_units", 0) == 0
    assert (figures["nominations_sent"], figures["nominations_rejected"]) == (2, 1)
    assert figures["honors_revoked"] == figures["honors_revoked_violation"] == 1


async def test_cells_holding_every_regular_session_and_attendance(layer, tree, small_directory):
    months = [f"2026-{m:02d}" for m in range(1, 7)]
    events = [
        SessionHeld(
            session_id=f"s-{month}",
            cell_id=tree["cell"],
            held_on=date(2026, int(month[5:]), 10),
            month=month,
            kind="regular",
            topic_title="Học tập và làm theo Bác",
            present=["a", "b", "c"],
            absent=["d"],
        )
        for month in months
    ]
    await apply(layer, tree["path"], *events[:-1])
    await apply(
        layer,
        small_directory.unit_path(tree["sibling"]),
        *[e.model_copy(update={"session_id": f"x-{e.month}", "cell_id": tree["sibling"]}) for e in events],
    )
    view = await view_of(layer, tree["commune"], "2026-H1")
    assert view["figures"]["cells_every_regular"] == 1  # the sibling; the cell missed June
    assert view["shares"]["attendance"]["text"] == "75,0 %"
    assert view["figures"]["attendance_present"] == 33
    first_quarter = await view_of(layer, tree["commune"], "2026-Q1..2026-Q2")
    assert first_quarter["figures"]["cells_every_regular"] == 1
    assert (await view_of(layer, tree["commune"], "2026-01..2026-05"))["figures"]["cells_every_regular"] == 2


async def test_committees_are_counted_by_kind_as_the_directory_files_them(layer, tree, small_directory):
    commune = next(u for u in small_directory.units if u.unit_id == tree["other_commune"])
    bloc = OrgUnitRegistered(
        unit_id="lc-dn", name="Đảng bộ Khối doanh nghiệp tỉnh", level="district", parent_id="lc", kind="enterprise"
    )
    await apply(layer, ["lc"], commune.model_copy(update={"kind": "agency"}), bloc)
    figures = (await view_of(layer, "lc", "2026"))["figures"]
    assert (figures["grassroots"], figures["grassroots_agency"], figures["bloc_committees"]) == (2, 1, 1)
    assert "grassroots_territorial" not in figures  # the directory did not say


async def test_publicity_counts_under_the_honor_whichever_arrives_first(layer, tree):
    # Two deliveries of one honor to the portal (published, then again after a retry: another delivery), one to
    # the fanpage, a retraction from the portal; the first publication arrives before its honor.
    honor = HonorRecorded(
        subject=HonorSubject(kind="member", id="m-9", name="Nguyễn Thị Hà"),
        honor_id="h-9",
        recording_unit_id=tree["cell"],
        level="cell",
        period="2026-05",
        deed="Gương mẫu",
        proposed_by="Chi ủy",
        approved_by="Bí thư",
    )

    def delivery(n, channel_kind, event=PublicityDelivered):
        return event(
            delivery_id=f"d-{n}",
            honor_id="h-9",
            channel_id=f"kenh-{channel_kind}",
            channel_kind=channel_kind,
            level="cell",
            period="2026-05",
            attempts=1,
        )

    await apply(layer, ["lc"], delivery(1, "portal"))
    assert await figure(layer, "lc", "publicity_published_portal", "2026") == 0  # its honor is not known yet
    await apply(layer, tree["path"], honor)
    assert await figure(layer, "lc", "publicity_published_portal", "2026") == 1
    await apply(
        layer,
        ["lc"],
        delivery(1, "portal"),  # the same delivery again counts nothing
        delivery(2, "portal"),
        delivery(3, "fanpage"),
        delivery(4, "portal", PublicityRetracted),
    )
    expected = {
        "publicity_published": 3,
        "publicity_published_portal": 2,
        "publicity_published_fanpage": 1,
        "honors_published": 1,
        "honors_published_portal": 1,
        "honors_published_fanpage": 1,
        "publicity_retracted": 1,
        "publicity_retracted_portal": 1,
        "honors_retracted": 1,
        "honors_retracted_portal": 1,
    }
    for unit_id in ("lc", tree["commune"], tree["cell"]):
        for span in ("2026", "2026-Q2", "2026-05", "2025..2026"):
            view = await view_of(layer, unit_id, span)
            assert {k: v for k, v in view["figures"].items() if k in expected or "publicity" in k} == expected
            assert not [f for f in view["reconciliation"] if "publicity" in (f.get("figure") or "")]
    for unit_id, span in ((tree["sibling"], "2026"), (tree["other_commune"], "2026"), ("lc", "2026-06")):
        assert not [k for k, v in (await view_of(layer, unit_id, span))["figures"].items() if "publi" in k and v]


async def test_each_topic_of_the_catalogue_counts_the_distinct_cells_that_took_it_up(layer, tree):
    def topic(topic_id, year, unit_id):
        return ThematicTopicIssued(topic_id=topic_id, year=year, title=f"Chuyên đề {topic_id}", issuing_unit_id=unit_id)

    def thematic(n, cell_id, held_on, topic_id, event=SessionHeld, **changes):
        return session(cell_id, held_on, event, topic_id=topic_id, **changes).model_copy(
            update={"session_id": f"s-{n}", "kind": "thematic"}
        )

    sibling_path = [*tree["path"][:-1], tree["sibling"]]
    # A session that names its topic arrives before the topic does; it counts once the topic is in the catalogue.
    await apply(layer, tree["path"], thematic(1, tree["cell"], date(2026, 3, 10), "cd-1"))
    assert (await view_of(layer, "lc", "2026"))["topics"] == []
    await apply(layer, ["lc"], topic("cd-1", 2026, "lc"), topic("cd-old", 2025, "lc"))
    await apply(layer, tree["path"][:2], topic("cd-xa", 2026, tree["commune"]))
    await apply(layer, ["lc", tree["other_commune"]], topic("cd-khac", 2026, tree["other_commune"]))
    await apply(
        layer,
        tree["path"],
        thematic(2, tree["cell"], date(2026, 9, 10), "cd-1"),  # the same cell again: one cell
        thematic(3, tree["cell"], date(2026, 5, 10), "cd-xa"),
    )
    await apply(layer, sibling_path, thematic(4, tree["sibling"], date(2026, 8, 10), "cd-1"))

    def cells(view):
        return {t["topic_id"]: t["cells"] for t in view["topics"]}

    assert cells(await view_of(layer, "lc", "2026")) == {"cd-1": 2, "cd-xa": 1, "cd-khac": 0}
    assert cells(await view_of(layer, tree["commune"], "2026")) == {"cd-1": 2, "cd-xa": 1}
    assert cells(await view_of(layer, tree["cell"], "2026-H1")) == {"cd-1": 1, "cd-xa": 1}
    assert cells(await view_of(layer, tree["commune"], "2026-H2")) == {"cd-1": 2, "cd-xa": 0}
    assert cells(await view_of(layer, tree["other_commune"], "2026")) == {"cd-1": 0, "cd-khac": 0}
    assert cells(await view_of(layer, "lc", "2025..2026")) == {"cd-old": 0, "cd-1": 2, "cd-xa": 1, "cd-khac": 0}
    # An amendment that drops the topic, or makes the session regular, takes the cell out.
    await apply(
        layer,
        sibling_path,
        thematic(4, tree["sibling"], date(2026, 8, 10), None, SessionAmended, revision=2, reason="Sửa"),
    )
    assert cells(await view_of(layer, tree["commune"], "2026")) == {"cd-1": 1, "cd-xa": 1}
    view = await view_of(layer, "lc", "2026")
    assert view["topics"][0] == {
        "topic_id": "cd-1",
        "year": 2026,
        "title": "Chuyên đề cd-1",
        "issuing_unit_id": "lc",
        "cells": 1,
    }
