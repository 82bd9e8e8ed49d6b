"""The demo province at work, through the services' real HTTP commands: sessions, honors, inspections."""

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable

import httpx

from neuguong.numbers import vi_number
from neuguong.runtime.auth import mint_token
from ops.directory.demo import DemoDirectory
from ops.progress import Progress

DEEDS = [
    "Vận động nhân dân hiến đất làm đường liên thôn",
    "Giúp đỡ hộ nghèo phát triển kinh tế vườn đồi, trồng quế",
    "Gương mẫu đi đầu trong phong trào xây dựng nông thôn mới",
    "Tận tụy chăm sóc sức khỏe cho đồng bào vùng cao",
    "Dũng cảm cứu người trong mưa lũ",
    "Vận động con em đồng bào đến trường đúng độ tuổi",
]
TOPICS = [
    "Học tập và làm theo phong cách dân chủ của Bác",
    "Bác Hồ với đức tính cần, kiệm, liêm, chính, chí công vô tư",
    "Làm theo lời Bác: thương dân, trọng dân, gần dân",
    "Tự soi, tự sửa theo tấm gương đạo đức Hồ Chí Minh",
]


class Actor:
    """Posts commands to one service with the token of one unit's leadership."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, private_key: bytes) -> None:
        self.client, self.base_url, self.private_key = client, base_url, private_key

    async def post(self, path: str, body: dict, *, role: str, unit: str, key: str) -> httpx.Response:
        token = mint_token(self.private_key, sub=f"demo-{role}-{unit}", role=role, unit=unit)
        return await self.client.post(
            f"{self.base_url}{path}", json=body, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        )


async def run_all(label: str, jobs: list[Callable[[], Awaitable[httpx.Response]]]) -> list[httpx.Response]:
    """Run the jobs 16 at a time with a progress bar; fail on a 5xx (a 4xx is a rule saying no)."""
    gate, progress = asyncio.Semaphore(16), Progress(label, len(jobs))

    async def one(job: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        async with gate:
            reply = await job()
        progress.advance()
        if reply.status_code >= 500:
            raise SystemExit(f"demo: {label} failed: {reply.status_code} {reply.text}")
        return reply

    replies = await asyncio.gather(*(one(job) for job in jobs))
    progress.close()
    refused = Counter(r.json().get("detail", r.text)[:120] for r in replies if r.status_code >= 400)
    if refused:  # rules saying no (an open inspection bars an honor, …) are part of the story: show them
        print(
            f"  {label}: {vi_number(sum(refused.values()))} refused — "
            + "; ".join(f"{vi_number(n)}× {reason}" for reason, n in refused.most_common(3))
        )
    return list(replies)


def topic_code(year: int, n: int) -> str:
    """The code of the province's n-th thematic topic of a year (Mã chuyên đề)."""
    return f"cd-{year}-{n + 1:02d}"


def topic_jobs(actor: Actor, year: int) -> list:
    """The provincial committee publishes the year's thematic topics (chuyên đề), one per title."""
    bodies = [
        {"topic_id": topic_code(year, n), "year": year, "title": title, "issuing_unit_id": "lc"}
        for n, title in enumerate(TOPICS)
    ]
    return [
        lambda b=body: actor.post("/topics", b, role="committee", unit="lc", key=f"demo-topic-{b['topic_id']}")
        for body in bodies
    ]


def session_jobs(actor: Actor, directory: DemoDirectory, rng: random.Random, year: int, months: int) -> list:
    """Each sampled cell's secretary records its regular sessions, and a thematic one a quarter on one of the
    province's topics of the year."""
    jobs = []
    for cell in rng.sample([u for u in directory.units if u.level == "cell"], 150):
        mates = [m.member_id for m in directory.members if m.cell_id == cell.unit_id and not m.left]
        for month in range(1, months + 1):
            for kind in ("regular", "thematic") if month % 3 == 0 else ("regular",):
                absent = mates[-1:] if rng.random() < 0.3 else []
                n = rng.randrange(len(TOPICS))
                body = {
                    "cell_id": cell.unit_id,
                    "held_on": f"{year}-{month:02d}-{5 if kind == 'regular' else 20:02d}",
                    "month": f"{year}-{month:02d}",
                    "kind": kind,
                    "topic_title": TOPICS[n],
                    **({"topic_id": topic_code(year, n)} if kind == "thematic" else {}),
                    "present": [m for m in mates if m not in absent],
                    "absent": absent,
                }
                jobs.append(
                    lambda b=body, k=f"demo-session-{cell.unit_id}-{month}-{kind}": actor.post(
                        "/sessions", b, role="cell_secretary", unit=b["cell_id"], key=k
                    )
                )
    return jobs


def honor_jobs(actor: Actor, honorees: list, rng: random.Random, year: int, month: int) -> list:
    """Cells write members of the month into their roll; most honorees agree to be named in public."""
    jobs = []
    for member in honorees:
        body = {
            "subject": {"kind": "member", "id": member.member_id},
            "period": f"{year}-{month:02d}",
            "deed": rng.choice(DEEDS),
            "proposed_by": "Tổ đảng",
            "approved_by": "Chi ủy",
            "consent_to_publish": rng.random() < 0.8,
        }
        jobs.append(
            lambda b=body, cell=member.cell_id, k=f"demo-honor-{member.member_id}-{year}-{month}": actor.post(
                "/honors", b, role="cell_secretary", unit=cell, key=k
            )
        )
    return jobs


def inspection_jobs(actor: Actor, directory: DemoDirectory, members: list, year: int) -> list:
    """Commune inspection committees open checks of members for the year."""
    jobs = []
    for n, member in enumerate(members):
        commune = directory.unit_path(member.cell_id)[1]
        body = {
            "kind": "inspection" if n % 3 else "supervision",
            "target": {"kind": "member", "id": member.member_id},
            "topic_title": "Kiểm tra việc thực hiện cam kết nêu gương",
            "period": str(year),
        }
        jobs.append(
            lambda b=body, c=commune, k=f"demo-inspection-{member.member_id}-{year}": actor.post(
                "/inspections", b, role="inspector", unit=c, key=k
            )
        )
    return jobs


def conclusion_jobs(actor: Actor, directory: DemoDirectory, opened: list[dict]) -> list:
    """Every third check finds a violation; the honors it reaches are revoked by services/honors."""
    jobs = []
    for n, inspection in enumerate(opened):
        commune = inspection["committee_unit_id"]
        body = {
            "conclusion": "violation" if n % 3 == 0 else "compliant",
            "summary": "Vi phạm quy định về những điều đảng viên không được làm"
            if n % 3 == 0
            else "Thực hiện tốt cam kết nêu gương",
            "recommendations": ["Kiểm điểm, rút kinh nghiệm trước chi bộ"] if n % 3 == 0 else [],
        }
        jobs.append(
            lambda b=body, c=commune, i=inspection["inspection_id"]: actor.post(
                f"/inspections/{i}/conclusion", b, role="inspector", unit=c, key=f"demo-conclusion-{i}"
            )
        )
    return jobs
