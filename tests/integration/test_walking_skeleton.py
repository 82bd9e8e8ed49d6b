"""A commitment posted over HTTP reaches the per-level figures exactly once, through real Kafka."""

import asyncio

from tests.integration.flows import directory_loaded
from tests.integration.harness import eventually


async def test_a_filed_commitment_counts_once_in_cell_commune_and_province(system, small_directory):
    member = small_directory.members[5]
    province, commune, cell = small_directory.unit_path(member.cell_id)
    async with system.service("commitments") as commitments, system.service("projections") as projections:
        await system.import_directory(small_directory)
        # Units and members: a member known before the units above their cell is a 503 (directory.require_path).
        await directory_loaded(commitments, small_directory)
        await directory_loaded(projections, small_directory)

        response = await commitments.client.post(
            "/commitments",
            json={
                "member_id": member.member_id,
                "year": 2026,
                "limitations": ["Chưa thường xuyên cập nhật kiến thức"],
                "plan": [{"title": "Học tập chuyên đề năm 2026", "deadline": "2026-06-30"}],
                "targets": {"working_style": "Sâu sát cơ sở"},
            },
            headers={**system.token(member.member_id, "member", cell), "Idempotency-Key": "file-2026-0001"},
        )
        assert response.status_code == 201, response.text

        viewer = system.token("tinh-uy", "committee", province)

        async def figures(unit_id: str) -> dict:
            reply = await projections.client.get(f"/units/{unit_id}/figures", params={"period": "2026"}, headers=viewer)
            assert reply.status_code == 200, reply.text
            return reply.json()

        await eventually(lambda: _filed(figures, province))
        await asyncio.sleep(1.0)  # let any duplicate arrive before counting
        for unit_id in (province, commune, cell):
            assert (await figures(unit_id))["figures"]["commitments_filed"] == 1, unit_id
        drill_down = {
            c["unit_id"]: c["figures"].get("commitments_filed", 0) for c in (await figures(commune))["children"]
        }
        assert drill_down[cell] == 1
        assert sum(drill_down.values()) == 1


async def _filed(figures, unit_id: str) -> bool:
    return (await figures(unit_id))["figures"].get("commitments_filed") == 1
