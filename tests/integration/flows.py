"""Steps several integration tests share."""

from neuguong.directory.demo import DemoDirectory
from tests.integration.harness import RunningService, Stack, eventually


async def directory_loaded(service: RunningService, directory: DemoDirectory) -> None:
    """Wait until the service's local directory holds every member."""
    async def count() -> bool:
        return await service.runtime.pool.fetchval("SELECT count(*) FROM directory_members") == len(
            directory.members)
    await eventually(count)


async def file_commitment(system: Stack, service: RunningService, member, year: int = 2026, key: str | None = None):
    """POST a commitment as the member themselves."""
    cell_path = member.cell_id
    return await service.client.post(
        "/commitments",
        json={"member_id": member.member_id, "year": year, "limitations": ["Ngại va chạm"],
              "plan": [{"title": "Tham gia đầy đủ sinh hoạt chi bộ", "deadline": f"{year}-12-31"}]},
        headers={**system.token(member.member_id, "member", cell_path),
                 "Idempotency-Key": key or f"file-{member.member_id}-{year}"},
    )


async def figure(projections: RunningService, system: Stack, unit_id: str, name: str, period: str) -> int:
    """One figure of a unit, read over HTTP as the province committee."""
    reply = await projections.client.get(f"/units/{unit_id}/figures", params={"period": period},
                                         headers=system.token("tinh-uy", "committee", "lc"))
    assert reply.status_code == 200, reply.text
    return reply.json()["figures"].get(name, 0)
