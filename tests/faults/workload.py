"""The workload of the fault tests: commands of every service sent over HTTP as a patient client sends them,
each with its own id (its Idempotency-Key and correlation id), each recorded as ok, failed or unknown.

Per fault case, one commune of the demo directory: every member files a commitment and amends it, every
cell records its sessions, two members are inspected and found in violation (then an honor for each must be
refused by the eligibility gate), the others are honored and published to a webhook channel.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from neuguong.periods import today_local
from neuguong.runtime.auth import mint_token
from schemas import uuid7
from tests.faults.checker import Op, Outcome

TODAY = today_local()
YEAR, MONTH = TODAY.year, f"{TODAY:%Y-%m}"
ATTEMPT_SECONDS = 5.0
RETRYABLE = {408, 425, 429}


@dataclass
class Sent:
    """A command the workload sent, and what it saw."""

    op: Op
    service: str
    entity: str | None  # the id the answer named (or the path named), when known
    member: str | None = None
    finished_at: float = 0.0
    answer: str = ""  # the status and the start of the body of the last answer, to say why a command failed


@dataclass
class Workload:
    """Runs one case's commands against the services at `url(service)`; `progress` counts finished ones."""

    case: str
    url: Callable[[str], str]
    private_key: bytes
    members: list[Any]  # MemberRegistered of the case's commune
    pace: float = 0.1  # seconds between the commands of one lane
    patience: float = 150.0  # how long one command is retried before its outcome is unknown
    sent: list[Sent] = field(default_factory=list)
    progress: int = 0

    def token(self, sub: str, role: str, unit: str) -> str:
        return mint_token(self.private_key, sub=sub, role=role, unit=unit)

    def ops(self) -> list[Op]:
        return [s.op for s in self.sent]

    @property
    def planned(self) -> int:
        cells = {m.cell_id for m in self.members}
        return 3 * len(self.members) + 2 * len(cells) + 4

    async def send(
        self,
        client: httpx.AsyncClient,
        kind: str,
        service: str,
        path: str,
        body: dict,
        token: str,
        answer_id: str,
        *,
        refusal: bool = False,
        member: str | None = None,
    ) -> Sent:
        """POST until a definite answer (2xx: ok, 4xx: failed) or until patience runs out (unknown)."""
        op_id = f"{self.case}:{uuid7().hex}"
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": op_id, "X-Correlation-ID": op_id}
        outcome: Outcome = "unknown"
        entity, answer = None, "no answer"
        deadline = time.monotonic() + self.patience
        while time.monotonic() < deadline:
            try:
                reply = await client.post(self.url(service) + path, json=body, headers=headers)
            except httpx.TransportError as error:
                answer = type(error).__name__
                await asyncio.sleep(0.5)
                continue
            answer = f"{reply.status_code} {reply.text[:200]}"
            if 200 <= reply.status_code < 300:
                outcome, entity = "ok", reply.json().get(answer_id)
                break
            if reply.status_code < 500 and reply.status_code not in RETRYABLE:
                outcome = "failed"
                break
            await asyncio.sleep(0.5)
        sent = Sent(Op(op_id, kind, outcome, refusal), service, entity, member, time.monotonic(), answer)
        self.sent.append(sent)
        self.progress += 1
        await asyncio.sleep(self.pace)
        return sent

    async def run(self) -> None:
        cells = sorted({m.cell_id for m in self.members})
        violators = [m for m in self.members if m.cell_id == cells[0]][:1] + [
            m for m in self.members if m.cell_id == cells[-1]
        ][:1]
        async with httpx.AsyncClient(timeout=ATTEMPT_SECONDS) as client:
            await asyncio.gather(
                self._commitments(client),
                self._sessions(client, cells),
                self._inspections_and_gate(client, violators),
                self._honors(client, [m for m in self.members if m not in violators]),
            )

    async def _commitments(self, client: httpx.AsyncClient) -> None:
        committee = self.token("tinh-uy", "committee", "lc")
        for member in self.members:
            body = {"member_id": member.member_id, "year": YEAR, "limitations": ["Ngại va chạm"]}
            filed = await self.send(
                client,
                "commitment.file",
                "commitments",
                "/commitments",
                body,
                committee,
                "commitment_id",
                member=member.member_id,
            )
            if filed.entity:
                amendment = {"limitations": ["Ngại va chạm", "Chưa gương mẫu"], "reason": "Bổ sung hạn chế"}
                path = f"/commitments/{filed.entity}/amendments"
                amended = await self.send(client, "commitment.amend", "commitments", path, amendment, committee, "_")
                amended.entity = filed.entity

    async def _sessions(self, client: httpx.AsyncClient, cells: list[str]) -> None:
        committee = self.token("tinh-uy", "committee", "lc")
        for month in (1, 2):
            for cell in cells:
                body = {
                    "cell_id": cell,
                    "held_on": f"{YEAR}-{month:02d}-01",
                    "month": f"{YEAR}-{month:02d}",
                    "kind": "regular",
                    "topic_title": "Học tập phong cách dân chủ của Bác",
                }
                await self.send(client, "session.record", "commitments", "/sessions", body, committee, "session_id")

    async def _inspections_and_gate(self, client: httpx.AsyncClient, violators: list[Any]) -> None:
        inspector = self.token("ubkt-tinh", "committee", "lc")
        for member in violators:
            opening = {
                "kind": "inspection",
                "target": {"kind": "member", "id": member.member_id},
                "period": str(YEAR - 1),
                "topic_title": "Kiểm tra dấu hiệu vi phạm",
            }
            opened = await self.send(
                client,
                "inspection.open",
                "inspections",
                "/inspections",
                opening,
                inspector,
                "inspection_id",
                member=member.member_id,
            )
            if opened.entity:
                conclusion = {"conclusion": "violation", "summary": "Kết luận của Ủy ban kiểm tra"}
                path = f"/inspections/{opened.entity}/conclusion"
                await self.send(
                    client,
                    "inspection.conclude",
                    "inspections",
                    path,
                    conclusion,
                    inspector,
                    "inspection_id",
                    member=member.member_id,
                )
        for member in violators:
            secretary = self.token("bi-thu", "cell_secretary", member.cell_id)
            await self._until_barred(client, member.member_id, secretary)
            await self.send(
                client,
                "honor.refused",
                "honors",
                "/honors",
                honor(member.member_id),
                secretary,
                "honor_id",
                refusal=True,
                member=member.member_id,
            )

    async def _until_barred(self, client: httpx.AsyncClient, member_id: str, token: str) -> None:
        """The gate learns findings from events: wait until it knows the violation (or patience runs out)."""
        deadline = time.monotonic() + self.patience
        path = f"/subjects/member/{member_id}/eligibility"
        while time.monotonic() < deadline:
            try:
                reply = await client.get(
                    self.url("honors") + path, params={"period": MONTH}, headers={"Authorization": f"Bearer {token}"}
                )
                if reply.status_code == 200 and any(r["code"] == "violation" for r in reply.json()["reasons"]):
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)

    async def _honors(self, client: httpx.AsyncClient, members: list[Any]) -> None:
        for member in members:
            secretary = self.token("bi-thu", "cell_secretary", member.cell_id)
            await self.send(
                client,
                "honor.record",
                "honors",
                "/honors",
                honor(member.member_id),
                secretary,
                "honor_id",
                member=member.member_id,
            )


def honor(member_id: str) -> dict:
    return {
        "subject": {"kind": "member", "id": member_id},
        "period": MONTH,
        "deed": "Vận động bà con hiến 300 m² đất mở đường liên thôn",
        "proposed_by": "Chi ủy chi bộ",
        "approved_by": "Chi bộ họp ngày 05",
        "evidence": ["https://laocai.gov.vn/tin-tuc/hien-dat"],
        "consent_to_publish": True,
    }
