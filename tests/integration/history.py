"""A generated history of the province's events, and a brute-force recount of the figures it implies.

The recount is written apart from services/projections on purpose: plain loops over paths and periods.
"""

import calendar
import random
from collections import Counter
from datetime import date

from ops.directory.demo import DemoDirectory
from schemas import Envelope, Event, encode, wrap
from schemas.commitments import (
    CommitmentFiled,
    CommitmentRated,
    CommitmentReported,
    SelfReflectionRecorded,
    SessionAmended,
    SessionHeld,
    ThematicTopicIssued,
)
from schemas.honors import HonorNominated, HonorRecorded, HonorRejected, HonorRevoked, HonorSubject
from schemas.inspections import DisciplineImposed, InspectionConcluded, InspectionOpened, Target
from schemas.notifications import PublicityDelivered, PublicityRetracted

RATINGS = ["excellent", "good", "completed", "not_completed"]
LEVEL_OF_UNIT = {"cell": "cell", "grassroots": "grassroots", "province": "province"}


def _periods(day: date) -> list[str]:
    return [
        str(day.year),
        f"{day.year}-H{1 if day.month < 7 else 2}",
        f"{day.year}-Q{(day.month + 2) // 3}",
        f"{day.year}-{day.month:02d}",
    ]


def _covering(period: str) -> list[str]:
    if len(period) == 4:
        return [period]
    if period[5] == "H":
        return [period[:4], period]
    if period[5] == "Q":
        return [period[:4], f"{period[:4]}-H{1 if period[6] in '12' else 2}", period]
    return _periods(date(int(period[:4]), int(period[5:]), 1))


def _delivery(event_type, delivery_id: str, honor: HonorRecorded, channel_kind: str):
    """A delivery of an honor a channel acknowledged."""
    return event_type(
        delivery_id=delivery_id,
        honor_id=honor.honor_id,
        channel_id=f"kenh-{channel_kind}",
        channel_kind=channel_kind,
        level=honor.level,
        period=honor.period,
        attempts=1,
    )


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
                events.append(
                    (
                        CommitmentReported(
                            **common,
                            is_leader=m.is_leader,
                            is_head=m.is_head,
                            on_time_percent=100,
                            all_limitations_remedied=True,
                            self_rating="good",
                        ),
                        path,
                    )
                )
                for _ in range(1 if rng.random() < 0.9 else 2):  # some are rated twice
                    events.append(
                        (
                            CommitmentRated(
                                **common,
                                rating=rng.choice(RATINGS),
                                is_leader=m.is_leader,
                                is_head=m.is_head,
                                rated_by_unit=m.cell_id,
                            ),
                            path,
                        )
                    )
    # The catalogue: two topics of the province for 2025 (issued first), one of 2026, and one of each commune
    # issued only after the sessions that name it (a session may arrive before its topic).
    communes = [u for u in directory.units if u.level == "grassroots"]
    province_topics = [
        ThematicTopicIssued(
            topic_id=f"cd-{year}-{n}", year=year, title=f"Chuyên đề số {n} năm {year}", issuing_unit_id="lc"
        )
        for year, n in ((2025, 1), (2025, 2), (2026, 1))
    ]
    commune_topics = {
        u.unit_id: ThematicTopicIssued(
            topic_id=f"cd-{u.unit_id}", year=2025, title=f"Chuyên đề của {u.name}", issuing_unit_id=u.unit_id
        )
        for u in communes
    }
    events.extend((t, ["lc"]) for t in province_topics)
    cell_members: dict[str, list[str]] = {}
    for m in members:
        cell_members.setdefault(m.cell_id, []).append(m.member_id)
    for cell in cells:
        path = directory.unit_path(cell.unit_id)
        roll = cell_members.get(cell.unit_id, [])
        for month in range(1, 13):
            if rng.random() < 0.9:
                sid = f"s-{cell.unit_id}-{month}"
                present = rng.sample(roll, rng.randint(0, len(roll)))
                held = SessionHeld(
                    session_id=sid,
                    cell_id=cell.unit_id,
                    held_on=date(2025, month, 10),
                    month=f"2025-{month:02d}",
                    kind="regular",
                    topic_title="Học tập và làm theo Bác",
                    present=present,
                    absent=[m for m in roll if m not in present],
                )
                events.append((held, path))
                if rng.random() < 0.05:  # recorded as regular by mistake: it was a thematic session
                    events.append(
                        (
                            SessionAmended(
                                **{**held.model_dump(), "kind": "thematic", "present": held.present[:1]},
                                revision=2,
                                reason="Sửa loại buổi sinh hoạt",
                            ),
                            path,
                        )
                    )
            if month % 3 == 0 and rng.random() < 0.7:
                events.append(
                    (
                        SessionHeld(
                            session_id=f"t-{cell.unit_id}-{month}",
                            cell_id=cell.unit_id,
                            held_on=date(2025, month, 20),
                            month=f"2025-{month:02d}",
                            kind="thematic",
                            topic_title="Chuyên đề nêu gương",
                            topic_id=rng.choice(["cd-2025-1", "cd-2025-2", f"cd-{path[1]}", None]),
                        ),
                        path,
                    )
                )
    events.extend((t, directory.unit_path(unit_id)) for unit_id, t in commune_topics.items())
    by_id = {u.unit_id: u for u in directory.units}
    for n, m in enumerate(rng.sample(members, min(1500, len(members)))):
        cell_path = directory.unit_path(m.cell_id)
        recorder = by_id[rng.choice(cell_path[1:])]
        period = (
            "2025-H1"
            if recorder.level == "grassroots"
            else "2025"
            if recorder.level == "province"
            else f"2025-{rng.randint(1, 12):02d}"
        )
        collective = n % 10 == 0 and recorder.level != "cell"
        subject = (
            HonorSubject(kind="unit", id=m.cell_id, name=by_id[m.cell_id].name)
            if collective
            else HonorSubject(kind="member", id=m.member_id, name=m.full_name)
        )
        nomination = f"n{n}" if n % 4 == 0 else None
        if nomination:
            nominated = HonorNominated(
                subject=subject,
                nomination_id=nomination,
                proposing_unit_id=m.cell_id,
                recording_unit_id=recorder.unit_id,
                level=LEVEL_OF_UNIT[recorder.level],
                period=period,
                deed="Gương mẫu",
                proposed_by="Chi bộ",
            )
            events.append((nominated, cell_path))
            if n % 8 == 0:  # every other nomination is turned down, and a fresh one is sent
                events.append(
                    (
                        HonorRejected(
                            subject=subject,
                            nomination_id=nomination,
                            proposing_unit_id=m.cell_id,
                            recording_unit_id=recorder.unit_id,
                            period=period,
                            reason="Chưa đủ tiêu chuẩn",
                            rejected_by=recorder.name,
                        ),
                        cell_path,
                    )
                )
                nomination = None
        honor = HonorRecorded(
            subject=subject,
            honor_id=f"h{n}",
            recording_unit_id=recorder.unit_id,
            level=LEVEL_OF_UNIT[recorder.level],
            period=period,
            deed="Gương mẫu",
            proposed_by="Chi bộ",
            approved_by=recorder.name,
            consent_to_publish=True,
            nomination_id=nomination,
        )
        # Publicity: the portal and the fanpage publish some honors, a few twice (a second delivery after the
        # channel asked again); some deliveries come before the honor on their own topic.
        published = [
            _delivery(PublicityDelivered, f"p{n}-{kind}-{copy}", honor, kind)
            for kind in ("portal", "fanpage")
            if rng.random() < (0.5 if kind == "portal" else 0.3)
            for copy in range(1 + (rng.random() < 0.1))
        ]
        early = [d for d in published if rng.random() < 0.2]
        events.extend((d, cell_path) for d in early)
        events.append((honor, cell_path))
        events.extend((d, cell_path) for d in published if d not in early)
        if rng.random() < 0.07:
            events.append(
                (
                    HonorRevoked(
                        subject=subject,
                        honor_id=honor.honor_id,
                        recording_unit_id=recorder.unit_id,
                        level=honor.level,
                        period=period,
                        reason="Vi phạm",
                        revoked_by="honors",
                        inspection_id=f"i{n}" if n % 3 == 0 else None,
                        discipline_id=f"d{n}" if n % 3 == 1 else None,
                    ),
                    cell_path,
                )
            )
            events.extend(
                (_delivery(PublicityRetracted, f"r{n}-{d.channel_kind}", honor, d.channel_kind), cell_path)
                for d in published
                if d.delivery_id.endswith("-0")
            )
    for n in range(300):
        target_unit = rng.choice(cells)
        member = rng.choice(members) if n % 2 else None
        target = Target(kind="member", id=member.member_id) if member else Target(kind="unit", id=target_unit.unit_id)
        path = directory.unit_path(member.cell_id if member else target_unit.unit_id)
        kind = rng.choice(["inspection", "supervision"])
        opened = date(2025, rng.randint(1, 10), rng.randint(1, 28))
        events.append(
            (
                InspectionOpened(
                    target=target,
                    inspection_id=f"i{n}",
                    kind=kind,
                    topic_title="Kiểm tra",
                    period="2025",
                    committee_unit_id=path[rng.randint(0, 1)],
                    opened_on=opened,
                ),
                path,
            )
        )
        concluded = date(2025, opened.month + rng.randint(0, 2), 28)
        conclusion = rng.choice(["compliant", "shortcomings", "violation"])
        events.append(
            (
                InspectionConcluded(
                    target=target,
                    inspection_id=f"i{n}",
                    kind=kind,
                    period="2025",
                    conclusion=conclusion,
                    summary="Kết luận",
                    concluded_on=concluded,
                ),
                path,
            )
        )
        if conclusion == "violation" and member:
            events.append(
                (
                    DisciplineImposed(
                        target=target,
                        discipline_id=f"d{n}",
                        measure="reprimand",
                        decided_on=concluded,
                        reason="Vi phạm",
                        decided_by_unit=path[1],
                        inspection_id=f"i{n}" if n % 3 else None,
                    ),
                    path,
                )
            )
    return events


def envelopes(events: list[tuple[Event, list[str]]]) -> list[tuple[Envelope, Event]]:
    """Each event in its envelope, as a service would have published it."""
    return [
        (wrap(e, producer="history", actor="generator", unit_path=p, correlation_id="history"), e) for e, p in events
    ]


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
    causes = {}
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
            case HonorNominated():
                add(path, _covering(e.period), ["nominations_sent"])
            case HonorRejected():
                add(path, _covering(e.period), ["nominations_rejected"])
            case HonorRevoked():
                honors[e.honor_id] = (*honors[e.honor_id][:2], True)
                causes[e.honor_id] = "violation" if e.inspection_id else "discipline" if e.discipline_id else "operator"
            case InspectionOpened():
                add(path, _periods(e.opened_on), [f"{e.kind}s_opened", f"{e.kind}s_of_{e.target.kind}s"])
            case InspectionConcluded():
                add(
                    path,
                    _periods(e.concluded_on),
                    [f"{e.kind}s_concluded", f"conclusions_{e.conclusion}", f"{e.kind}_conclusions_{e.conclusion}"],
                )
            case DisciplineImposed():
                add(path, _periods(e.decided_on), ["disciplines", f"disciplines_{e.measure}"])
    for e, path in first_rating.values():
        add(path, [str(e.year)], split("commitments_rated", e.is_leader, e.is_head))
    for e, path in final_rating.values():
        add(path, [str(e.year)], split(f"rating_{e.rating}", e.is_leader, e.is_head))
    for e, path in sessions.values():
        add(path, _covering(e.month), [f"sessions_{e.kind}"])
    for e, path, revoked in honors.values():
        if e.nomination_id:  # approved, even if revoked later
            add(path, _covering(e.period), ["nominations_approved"])
        if revoked:
            add(path, _covering(e.period), ["honors_revoked", f"honors_revoked_{causes[e.honor_id]}"])
        else:
            add(path, _covering(e.period), ["honors", f"honors_{e.level}", f"honors_of_{e.subject.kind}s"])
    return +figures  # drop zeros


def _month_days(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _containing(kind: str, year: int, month: int) -> str:
    """The period of `kind` (as named by an example of it) that holds the month."""
    if len(kind) == 4:
        return str(year)
    if kind[5] == "H":
        return f"{year}-H{1 if month <= 6 else 2}"
    if kind[5] == "Q":
        return f"{year}-Q{(month - 1) // 3 + 1}"
    return f"{year}-{month:02d}"


def span_months(span: str) -> list[tuple[int, int]]:
    """Every (year, month) of a period or a range of periods, found by walking the calendar."""
    first, _, last = span.partition("..")
    last = last or first
    return [
        (y, m)
        for y in range(int(first[:4]), int(last[:4]) + 1)
        for m in range(1, 13)
        if first <= _containing(first, y, m) <= last
    ]


def span_periods(span: str) -> list[str]:
    first = span.partition("..")[0]
    return list(dict.fromkeys(_containing(first, y, m) for y, m in span_months(span)))


def _period_days(period: str) -> tuple[date, date]:
    months = span_months(period)
    return _month_days(*months[0])[0], _month_days(*months[-1])[1]


def recount_span(
    wrapped: list[tuple[Envelope, Event]],
    counters: Counter,
    units: list,
    members: list,
    group: set[str],
    span: str,
) -> Counter:
    """Every figure of the units in `group` (a unit and the units merged into it) over `span`, the long way
    round: the counters of its periods added up, people and organisations counted once, and the directory
    (`units`, `members` as they are now) on the roll at the span's end."""
    months = span_months(span)
    periods = set(span_periods(span))
    first, last = _month_days(*months[0])[0], _month_days(*months[-1])[1]
    years = sorted({y for y, _ in months if all((y, m) in months for m in range(1, 13))})
    result: Counter = Counter()
    for (unit, period, name), value in counters.items():
        if unit in group and period in periods:
            result[name] += value

    def inside(path) -> bool:
        return bool(group & set(path))

    leader = {  # a self-review's flags are those of the member's commitment of that year
        (e.member_id, e.year): (e.is_leader, e.is_head) for _, e in wrapped if isinstance(e, CommitmentFiled)
    }
    acts: dict[str, set] = {}
    checked: dict[tuple, set] = {}
    opened_kind: dict[str, str] = {}
    sessions: dict[str, tuple] = {}
    honors: dict[str, tuple] = {}
    for envelope, e in wrapped:
        path = envelope.unit_path
        if isinstance(e, InspectionOpened):
            opened_kind[e.inspection_id] = e.kind
        if isinstance(e, (SessionHeld, SessionAmended)):
            sessions[e.session_id] = (e, path)
        if isinstance(e, HonorRecorded):
            honors[e.honor_id] = (e, path, False)
        if isinstance(e, HonorRevoked):
            honors[e.honor_id] = (*honors[e.honor_id][:2], True)
        if not inside(path):
            continue
        match e:
            case CommitmentFiled() | CommitmentReported() | CommitmentRated() if e.year in years:
                act = {CommitmentFiled: "filed", CommitmentReported: "reported", CommitmentRated: "rated"}[type(e)]
                acts.setdefault(act, set()).add((e.member_id, e.year, e.is_leader, e.is_head))
            case SelfReflectionRecorded() if (int(e.month[:4]), int(e.month[5:])) in months:
                year = int(e.month[:4])
                acts.setdefault("self_reviewed", set()).add((e.member_id, year, *leader[(e.member_id, year)]))
            case InspectionOpened() if first <= e.opened_on <= last:
                verb = "inspected" if e.kind == "inspection" else "supervised"
                checked.setdefault((f"{e.target.kind}s_{verb}",), set()).add(e.target.id)
                level = next(u.level for u in units if u.unit_id == e.committee_unit_id)
                result[f"{e.kind}s_by_{level}"] += 1
            case DisciplineImposed() if first <= e.decided_on <= last:
                origin = opened_kind.get(e.inspection_id or "", "other")
                result[f"disciplines_after_{origin}"] += 1
                result[f"disciplines_after_{origin}_{e.measure}"] += 1
    for act, done in acts.items():
        for who, index in (("", None), ("_leaders", 2), ("_heads", 3)):
            rows = [d for d in done if index is None or d[index]]
            result[f"members_{act}{who}"] = len({d[0] for d in rows})
            result[f"member_years_{act}{who}"] = len({d[:2] for d in rows})
    for (name,), targets in checked.items():
        result[name] = len(targets)
    for e, path, revoked in honors.values():
        start, end = _period_days(e.period)
        if not revoked and inside(path) and first <= start and end <= last:
            checked.setdefault(("honored", e.subject.kind), set()).add(e.subject.id)
    for kind in ("member", "unit"):
        result[f"honored_{kind}s"] = len(checked.get(("honored", kind), ()))
    publicity: dict[tuple, set] = {}
    for _, e in wrapped:  # under the honor's path, whatever the delivery's own envelope says
        if isinstance(e, (PublicityDelivered, PublicityRetracted)) and e.honor_id in honors:
            _, path, _ = honors[e.honor_id]
            start, end = _period_days(e.period)
            if inside(path) and first <= start and end <= last:
                kind = "published" if isinstance(e, PublicityDelivered) else "retracted"
                for channel in ("", f"_{e.channel_kind}"):
                    publicity.setdefault((kind, channel), set()).add((e.delivery_id, e.honor_id))
    for (kind, channel), done in publicity.items():
        result[f"publicity_{kind}{channel}"] = len(done)
        result[f"honors_{kind}{channel}"] = len({h for _, h in done})

    parent = {u.unit_id: u.parent_id for u in units}

    def under(unit_id) -> bool:
        while unit_id is not None:
            if unit_id in group:
                return True
            unit_id = parent.get(unit_id)
        return False

    live = [u for u in units if under(u.unit_id)]
    cells = {u.unit_id for u in live if u.level == "cell" and not u.dissolved}
    result["cells"] = len(cells)
    result["grassroots"] = sum(1 for u in live if u.level == "grassroots" and not u.dissolved)
    for u in live:
        if u.level == "grassroots" and not u.dissolved and u.kind:
            result[f"grassroots_{u.kind}"] += 1
        if u.level == "district" and not u.dissolved and u.kind not in (None, "territorial"):
            result["bloc_committees"] += 1

    def on_roll(m, day) -> bool:
        return m.admitted_on <= day and not (m.left and (m.left_on is None or m.left_on <= day))

    ours = [m for m in members if under(m.cell_id)]
    result["members"] = sum(on_roll(m, last) for m in ours)
    result["members_leaders"] = sum(on_roll(m, last) and m.is_leader for m in ours)
    result["members_heads"] = sum(on_roll(m, last) and m.is_head for m in ours)
    owed = [
        (m, y)
        for y in years
        for m in ours
        if on_roll(m, date(y, 12, 31)) and m.status == "active" and (date(y, 1, 1) - m.admitted_on).days >= 183
    ]
    result["owing_member_years"] = len(owed)
    result["owing_member_years_leaders"] = sum(m.is_leader for m, _ in owed)
    result["owing_member_years_heads"] = sum(m.is_head for m, _ in owed)
    result["owing_members"] = len({m.member_id for m, _ in owed})
    wanted = {f"{y}-{m:02d}" for y, m in months}
    regular: dict[str, set] = {}
    for e, path in sessions.values():
        if e.month in wanted and inside(path):
            result["attendance_present"] += len(e.present)
            result["attendance_expected"] += len(e.present) + len(e.absent)
        if e.kind == "regular" and e.month in wanted:
            regular.setdefault(e.cell_id, set()).add(e.month)
    result["cells_every_regular"] = sum(1 for c in cells if regular.get(c, set()) >= wanted)
    return +result


def recount_topics(wrapped: list[tuple[Envelope, Event]], units: list, group: set[str], span: str) -> list[dict]:
    """The catalogue of the span's years for the group (topics issued by its units, the committees above them or
    those under them) with the distinct cells under the group whose thematic sessions of the span took each up."""
    months = {f"{y}-{m:02d}" for y, m in span_months(span)}
    years = {int(month[:4]) for month in months}
    parent = {u.unit_id: u.parent_id for u in units}
    above: set[str] = set()
    for unit_id in group:
        while unit_id is not None:
            above.add(unit_id)
            unit_id = parent.get(unit_id)
    topics, sessions = {}, {}
    for envelope, e in wrapped:
        if isinstance(e, ThematicTopicIssued):
            topics[e.topic_id] = (e, envelope.unit_path)
        if isinstance(e, (SessionHeld, SessionAmended)):
            sessions[e.session_id] = (e, envelope.unit_path)
    listed = []
    for e, path in topics.values():
        if e.year in years and (e.issuing_unit_id in above or group & set(path)):
            cells = {
                s.cell_id
                for s, p in sessions.values()
                if s.topic_id == e.topic_id and s.kind == "thematic" and s.month in months and group & set(p)
            }
            listed.append(
                {
                    "topic_id": e.topic_id,
                    "year": e.year,
                    "title": e.title,
                    "issuing_unit_id": e.issuing_unit_id,
                    "cells": len(cells),
                }
            )
    return sorted(listed, key=lambda t: (t["year"], t["topic_id"]))
