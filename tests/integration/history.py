"""A generated history of the province's events, and a brute-force recount of the figures it implies.

The recount is written apart from services/projections on purpose: plain loops over paths and periods.
"""

import random
from collections import Counter
from datetime import date

from neuguong.directory.demo import DemoDirectory
from schemas import Envelope, Event, encode, wrap
from schemas.commitments import (
    CommitmentFiled,
    CommitmentRated,
    CommitmentReported,
    SelfReflectionRecorded,
    SessionAmended,
    SessionHeld,
)
from schemas.honors import HonorRecorded, HonorRevoked, HonorSubject
from schemas.inspections import DisciplineImposed, InspectionConcluded, InspectionOpened, Target

RATINGS = ["excellent", "good", "completed", "not_completed"]
LEVEL_OF_UNIT = {"cell": "cell", "grassroots": "grassroots", "province": "province"}


def _periods(day: date) -> list[str]:
    return [str(day.year), f"{day.year}-H{1 if day.month < 7 else 2}", f"{day.year}-Q{(day.month + 2) // 3}",
            f"{day.year}-{day.month:02d}"]


def _covering(period: str) -> list[str]:
    if len(period) == 4:
        return [period]
    if period[5] == "H":
        return [period[:4], period]
    if period[5] == "Q":
        return [period[:4], f"{period[:4]}-H{1 if period[6] in '12' else 2}", period]
    return _periods(date(int(period[:4]), int(period[5:]), 1))


def generate(directory: DemoDirectory, seed: int = 11) -> list[tuple[Event, list[str]]]:
    """Tens of thousands of events over the directory, each with its unit_path, in a causal order."""
    rng = random.Random(seed)
    members = [m for m in directory.members if m.status == "active"]
    cells = [u for u in directory.units if u.level == "cell"]
    events: list[tuple[Event, list[str]]] = []
    for year in (2025, 2026):
        for m in members:
            if rng.random() > 0.7:
                continue
            path, cid = directory.unit_path(m.cell_id), f"c-{m.member_id}-{year}"
            common = dict(commitment_id=cid, member_id=m.member_id, cell_id=m.cell_id, year=year)
            events.append((CommitmentFiled(**common, is_leader=m.is_leader, is_head=m.is_head), path))
            for month in rng.sample(range(1, 11), rng.randint(0, 2)):
                events.append((SelfReflectionRecorded(**common, month=f"{year}-{month:02d}"), path))
            if year == 2025:
                events.append((CommitmentReported(**common, is_leader=m.is_leader, is_head=m.is_head,
                                                  on_time_percent=100, all_limitations_remedied=True,
                                                  self_rating="good"), path))
                for _ in range(1 if rng.random() < 0.9 else 2):  # some are rated twice
                    events.append((CommitmentRated(**common, rating=rng.choice(RATINGS), is_leader=m.is_leader,
                                                   is_head=m.is_head, rated_by_unit=m.cell_id), path))
    for cell in cells:
        path = directory.unit_path(cell.unit_id)
        for month in range(1, 13):
            if rng.random() < 0.9:
                sid = f"s-{cell.unit_id}-{month}"
                held = SessionHeld(session_id=sid, cell_id=cell.unit_id, held_on=date(2025, month, 10),
                                   month=f"2025-{month:02d}", kind="regular", topic_title="Học tập và làm theo Bác")
                events.append((held, path))
                if rng.random() < 0.05:  # recorded as regular by mistake: it was a thematic session
                    events.append((SessionAmended(**{**held.model_dump(), "kind": "thematic"}, revision=2,
                                                  reason="Sửa loại buổi sinh hoạt"), path))
            if month % 3 == 0 and rng.random() < 0.7:
                events.append((SessionHeld(session_id=f"t-{cell.unit_id}-{month}", cell_id=cell.unit_id,
                                           held_on=date(2025, month, 20), month=f"2025-{month:02d}",
                                           kind="thematic", topic_title="Chuyên đề nêu gương"), path))
    by_id = {u.unit_id: u for u in directory.units}
    for n, m in enumerate(rng.sample(members, min(1500, len(members)))):
        cell_path = directory.unit_path(m.cell_id)
        recorder = by_id[rng.choice(cell_path[1:])]
        period = "2025-H1" if recorder.level == "grassroots" else "2025" if recorder.level == "province" else \
            f"2025-{rng.randint(1, 12):02d}"
        subject = HonorSubject(kind="member", id=m.member_id, name=m.full_name)
        honor = HonorRecorded(subject=subject, honor_id=f"h{n}", recording_unit_id=recorder.unit_id,
                              level=LEVEL_OF_UNIT[recorder.level], period=period, deed="Gương mẫu",
                              proposed_by="Chi bộ", approved_by=recorder.name, consent_to_publish=True)
        events.append((honor, cell_path))
        if rng.random() < 0.07:
            events.append((HonorRevoked(subject=subject, honor_id=honor.honor_id, recording_unit_id=recorder.unit_id,
                                        level=honor.level, period=period, reason="Vi phạm", revoked_by="honors"),
                           cell_path))
    for n in range(300):
        target_unit = rng.choice(cells)
        member = rng.choice(members) if n % 2 else None
        target = Target(kind="member", id=member.member_id) if member else Target(kind="unit", id=target_unit.unit_id)
        path = directory.unit_path(member.cell_id if member else target_unit.unit_id)
        kind = rng.choice(["inspection", "supervision"])
        opened = date(2025, rng.randint(1, 10), rng.randint(1, 28))
        events.append((InspectionOpened(target=target, inspection_id=f"i{n}", kind=kind, topic_title="Kiểm tra",
                                        period="2025", committee_unit_id=path[1], opened_on=opened), path))
        concluded = date(2025, opened.month + rng.randint(0, 2), 28)
        conclusion = rng.choice(["compliant", "shortcomings", "violation"])
        events.append((InspectionConcluded(target=target, inspection_id=f"i{n}", kind=kind, period="2025",
                                           conclusion=conclusion, summary="Kết luận", concluded_on=concluded), path))
        if conclusion == "violation" and member:
            events.append((DisciplineImposed(target=target, discipline_id=f"d{n}", measure="reprimand",
                                             decided_on=concluded, reason="Vi phạm", decided_by_unit=path[1]), path))
    return events


def envelopes(events: list[tuple[Event, list[str]]]) -> list[tuple[Envelope, Event]]:
    """Each event in its envelope, as a service would have published it."""
    return [(wrap(e, producer="history", actor="generator", unit_path=p, correlation_id="history"), e)
            for e, p in events]


def records(wrapped: list[tuple[Envelope, Event]]) -> list[tuple[str, bytes, bytes]]:
    """(topic, key, value) for publishing."""
    return [(event.topic, event.key().encode(), encode(envelope)) for envelope, event in wrapped]


def recount(wrapped: list[tuple[Envelope, Event]]) -> Counter:
    """Every (unit, period, figure) → value the history implies, the long way round."""
    figures: Counter = Counter()

    def add(path, periods, names, delta=1):
        for unit in path:
            for period in periods:
                for name in names:
                    figures[(unit, period, name)] += delta

    def split(name, leader, head):
        return [name] + ([f"{name}_leaders"] if leader else []) + ([f"{name}_heads"] if head else [])

    final_rating, first_rating, sessions, honors = {}, {}, {}, {}
    for envelope, e in wrapped:
        path = envelope.unit_path
        match e:
            case CommitmentFiled():
                add(path, [str(e.year)], split("commitments_filed", e.is_leader, e.is_head))
            case SelfReflectionRecorded():
                add(path, _covering(e.month), ["self_reflections"])
            case CommitmentReported():
                add(path, [str(e.year)], split("commitment_reports", e.is_leader, e.is_head))
            case CommitmentRated():
                first_rating.setdefault(e.commitment_id, (e, path))
                final_rating[e.commitment_id] = (e, path)
            case SessionHeld() | SessionAmended():
                sessions[e.session_id] = (e, path)
            case HonorRecorded():
                honors[e.honor_id] = (e, path, False)
            case HonorRevoked():
                honors[e.honor_id] = (*honors[e.honor_id][:2], True)
            case InspectionOpened():
                add(path, _periods(e.opened_on), [f"{e.kind}s_opened", f"{e.kind}s_of_{e.target.kind}s"])
            case InspectionConcluded():
                add(path, _periods(e.concluded_on), [f"{e.kind}s_concluded", f"conclusions_{e.conclusion}"])
            case DisciplineImposed():
                add(path, _periods(e.decided_on), ["disciplines", f"disciplines_{e.measure}"])
    for e, path in first_rating.values():
        add(path, [str(e.year)], split("commitments_rated", e.is_leader, e.is_head))
    for e, path in final_rating.values():
        add(path, [str(e.year)], split(f"rating_{e.rating}", e.is_leader, e.is_head))
    for e, path in sessions.values():
        add(path, _covering(e.month), [f"sessions_{e.kind}"])
    for e, path, revoked in honors.values():
        add(path, _covering(e.period), ["honors_revoked"] if revoked else ["honors", f"honors_{e.level}"])
    return +figures  # drop zeros
