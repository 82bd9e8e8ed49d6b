"""services/commitments in two tables: the commands it takes (COMMANDS) and the events it consumes
(HANDLERS). Each command handler authorises (access), decides (logic), writes (store) and answers with
the events it caused; the runtime stages them in the outbox in the same transaction."""

from collections.abc import Sequence

import asyncpg

from neuguong.runtime import directory, outbox
from neuguong.runtime.access import unit_in_reach
from neuguong.runtime.auth import Forbidden, Principal
from neuguong.runtime.batches import Decided, RowResult, decide_rows, each_row
from neuguong.runtime.clock import Clock
from neuguong.runtime.commands import Answer, Grouped, Outcome
from neuguong.runtime.errors import CommandRejected, Conflict, NotFound, refuse
from schemas import CommitmentFiled, Envelope, Event, SessionHeld, uuid7
from schemas.commitments import (
    CommitmentAmended,
    CommitmentRated,
    CommitmentReported,
    ItemResult,
    ItemReview,
    SelfReflectionRecorded,
    SessionAmended,
    ThematicTopicIssued,
)
from schemas.inspections import DisciplineImposed
from schemas.topics import INSPECTIONS
from services.commitments import access, logic, store
from services.commitments.commands import (
    AmendCommitment,
    AmendSession,
    BatchItem,
    FileCommitment,
    FileCommitments,
    IssueTopic,
    RateCommitment,
    RecordSelfReflection,
    RecordSession,
    RecordSessions,
    ReportCommitment,
    SessionBatchItem,
    SessionRecord,
)
from services.commitments.views import commitment_view, session_view, topic_view

SERVICE = "commitments"


async def file_commitment(
    conn: asyncpg.Connection, requests: Sequence[tuple[FileCommitment, Principal]], clock: Clock
) -> list[Outcome]:
    """File members' commitments for a year (one per member and year; rule 1). Grouped (runtime.grouping): each
    request is answered as if it ran alone, after the ones before it; a refused one writes nothing.

    Set-based, as a year's filings and an import of a province's commitments need: the members are looked up in
    one query, every request is decided in memory, and the new commitments are inserted in one statement, in one
    order (member, year), so that two groups filing some of the same members wait for each other, never deadlock.
    """
    found = await directory.find_members_and_paths(conn, (command.member_id for command, _ in requests))
    decided: list[tuple[dict, CommitmentFiled] | CommandRejected | Forbidden] = []
    for command, principal in requests:
        try:
            reached = access.reach_member(
                principal, command.member_id, found.get(command.member_id), others=access.COMMITTEES
            )
            decided.append(_filing(*reached, command, principal, clock))
        except (CommandRejected, Forbidden) as refusal:
            decided.append(refusal)
    first: dict[tuple[str, int], dict] = {}  # the first request of the group for each member and year
    for decision in decided:
        if not isinstance(decision, Exception):
            first.setdefault(_member_year(decision[0]), decision[0])
    filed = await store.insert_commitments(conn, [first[key] for key in sorted(first)])
    before = await store.select_commitments(conn, [key for key in first if key not in filed])
    outcomes: list[Outcome] = []
    for decision in decided:
        if isinstance(decision, Exception):
            outcomes.append(decision)
            continue
        row, event = decision
        key = _member_year(row)
        if key in filed and first[key] is row:
            outcomes.append(Answer.recording(201, commitment_view(filed[key]), event, row["unit_path"]))
        else:
            existing = filed[key] if key in filed else before[key]
            reason = f"{row['member_id']} already filed a commitment for {row['year']}"
            outcomes.append(Conflict("year", reason, existing=commitment_view(existing)))
    return outcomes


def _member_year(row: dict) -> tuple[str, int]:
    return row["member_id"], row["year"]


def _filing(
    member: directory.Member, path: list[str], command: FileCommitment, principal: Principal, clock: Clock
) -> tuple[dict, CommitmentFiled]:
    """The commitment a member in reach files (its row) and its event; refused when the member cannot file."""
    refuse(logic.filing_refusal(member, command.year, clock.today()))
    content = logic.commitment_content(command)
    event = CommitmentFiled(
        commitment_id=str(uuid7()),
        member_id=member.member_id,
        cell_id=member.cell_id,
        year=command.year,
        is_leader=member.is_leader,
        is_head=member.is_head,
        **content,
    )
    row = {
        "commitment_id": event.commitment_id,
        "member_id": member.member_id,
        "cell_id": member.cell_id,
        "year": command.year,
        "content": content,
        "filed_by": principal.sub,
        "is_leader": member.is_leader,
        "is_head": member.is_head,
        "unit_path": path,
    }
    return row, event


async def file_commitments(
    conn: asyncpg.Connection, command: FileCommitments, principal: Principal, clock: Clock
) -> Answer:
    """Each row as `file_commitment` answers it, after the rows before it: `created`, `exists` (filed before,
    or by an earlier row of the batch) or `rejected` with the reason. A row the token may not act on refuses the
    whole request (403) and nothing is written."""
    items = [item for item in command.items if isinstance(item, BatchItem)]
    singles = [FileCommitment.model_validate(item.model_dump(exclude={"line"})) for item in items]
    outcomes = iter(await file_commitment(conn, [(single, principal) for single in singles], clock))

    def decide(item: BatchItem) -> tuple[str, str, Answer | None]:
        outcome = next(outcomes)
        if isinstance(outcome, Conflict):  # filed before, or by an earlier row
            return "exists", outcome.details["existing"]["commitment_id"], None
        if isinstance(outcome, Exception):
            raise outcome
        return "created", outcome.body["commitment_id"], outcome

    results: list[dict] = []
    events: list[tuple[Event, list[str]]] = []
    for decided in decide_rows(command.items, decide):
        if not isinstance(decided, Decided):
            results.append(decided)
            continue
        status, commitment_id, answer = decided.decision
        results.append({"line": decided.row.line, "status": status, "commitment_id": commitment_id})
        if answer is not None:
            events += answer.events
    return Answer(200, {"results": results}, events)


async def amend_commitment(
    conn: asyncpg.Connection, command: AmendCommitment, principal: Principal, clock: Clock
) -> Answer:
    """A new version of the content; earlier versions stay in the history (rule 1)."""
    row, member, path = await access.commitment_in_reach(conn, principal, command.commitment_id, access.COMMITTEES)
    if command.base_version is not None and command.base_version != row["version"]:
        raise Conflict("base_version", f"the commitment is at version {row['version']}, not {command.base_version}")
    if await store.select_report(conn, command.commitment_id) is not None:
        raise Conflict("commitment_id", "the commitment was already reported on; it can no longer change")
    version, content = row["version"] + 1, logic.commitment_content(command)
    await store.amend_commitment(conn, command.commitment_id, version, content, command.reason, principal.sub)
    event = CommitmentAmended(
        commitment_id=command.commitment_id,
        member_id=member.member_id,
        cell_id=member.cell_id,
        year=row["year"],
        revision=version,
        reason=command.reason,
        **content,
    )
    amended = await store.select_commitment_by_id(conn, command.commitment_id)
    return Answer.recording(201, commitment_view(amended), event, path)


async def record_self_reflection(
    conn: asyncpg.Connection, requests: Sequence[tuple[RecordSelfReflection, Principal]], clock: Clock
) -> list[Outcome]:
    """The monthly self-review (tự soi, tự sửa): one per month, within the commitment's year. Grouped, as
    `file_commitment` (every member reviews in the same days at month's end): the commitments are locked in one
    statement (in one order), their members looked up in one, every request decided in memory, the new reviews
    written in one."""
    rows = await store.lock_commitments(conn, sorted({command.commitment_id for command, _ in requests}))
    found = await directory.find_members_and_paths(conn, (row["member_id"] for row in rows.values()))
    decided: list[tuple[RecordSelfReflection, Principal, asyncpg.Record, list[str], dict] | CommandRejected | Forbidden]
    decided = []
    for command, principal in requests:
        try:
            row = rows.get(command.commitment_id)
            if row is None:
                raise NotFound("commitment_id", "unknown commitment")
            member_id = row["member_id"]
            _, path = access.reach_member(principal, member_id, found.get(member_id), others=access.COMMITTEES)
            refuse(logic.month_refusal("month", command.month, row["year"], clock.today()))
            plan_ids = [item["item_id"] for item in row["content"]["plan"]]
            refuse(logic.unknown_items(plan_ids, [r.item_id for r in command.items_reviewed]))
            content = command.model_dump(mode="json", include={"items_reviewed", "note"})
            decided.append((command, principal, row, path, content))
        except (CommandRejected, Forbidden) as refusal:
            decided.append(refusal)
    # The first request of the group for each commitment and month: its content, and who sent it.
    first: dict[tuple[str, str], tuple[dict, str]] = {}
    for decision in decided:
        if not isinstance(decision, Exception):
            command, principal, _, _, content = decision
            first.setdefault((command.commitment_id, command.month), (content, principal.sub))
    recorded = await store.insert_reflections(conn, [(*key, *first[key]) for key in sorted(first)])
    before = await store.select_reflections(conn, [key for key in first if key not in recorded])
    outcomes: list[Outcome] = []
    for decision in decided:
        if isinstance(decision, Exception):
            outcomes.append(decision)
            continue
        command, _, row, path, content = decision
        key = (command.commitment_id, command.month)
        if key in recorded and first[key][0] is content:
            member = found[row["member_id"]][0]
            event = SelfReflectionRecorded(
                commitment_id=command.commitment_id,
                member_id=member.member_id,
                cell_id=member.cell_id,
                year=row["year"],
                month=command.month,
                note=command.note,
                items_reviewed=[ItemReview(**r.model_dump()) for r in command.items_reviewed],
            )
            outcomes.append(Answer.recording(201, {**commitment_view(row), "month": command.month}, event, path))
        else:
            existing = first[key][0] if key in recorded else before[key]["content"]
            outcomes.append(
                Conflict(
                    "month",
                    f"a self-reflection for {command.month} was already recorded",
                    existing={"month": command.month, **existing},
                )
            )
    return outcomes


async def report_commitment(
    conn: asyncpg.Connection, command: ReportCommitment, principal: Principal, clock: Clock
) -> Answer:
    """The year-end report: a result per plan item; the on-time share is computed from them."""
    row, member, path = await access.commitment_in_reach(conn, principal, command.commitment_id, access.COMMITTEES)
    plan_ids = [item["item_id"] for item in row["content"]["plan"]]
    refuse(logic.results_refusal(plan_ids, [r.item_id for r in command.results]))
    on_time = logic.on_time_percent(plan_ids, [r.item_id for r in command.results if r.done and r.on_time])
    content = command.model_dump(mode="json", exclude={"commitment_id"})
    if not await store.insert_report(
        conn,
        command.commitment_id,
        content,
        on_time,
        command.all_limitations_remedied,
        command.self_rating,
        principal.sub,
    ):
        raise Conflict("commitment_id", "the year-end report was already submitted")
    event = CommitmentReported(
        commitment_id=command.commitment_id,
        member_id=member.member_id,
        cell_id=member.cell_id,
        year=row["year"],
        is_leader=member.is_leader,
        is_head=member.is_head,
        on_time_percent=on_time,
        all_limitations_remedied=command.all_limitations_remedied,
        self_rating=command.self_rating,
        summary=command.summary,
        results=[ItemResult(**r.model_dump()) for r in command.results],
    )
    return Answer.recording(201, {**commitment_view(row), "on_time_percent": on_time}, event, path)


async def rate_commitment(
    conn: asyncpg.Connection, command: RateCommitment, principal: Principal, clock: Clock
) -> Answer:
    """The competent unit's rating (rule 3); the cell secretary or a committee above decides it."""
    row, member, path = await access.rateable_in_reach(conn, principal, command.commitment_id)
    report = await store.select_report(conn, command.commitment_id)
    facts = None if report is None else logic.ReportFacts(report["on_time_percent"], report["all_limitations_remedied"])
    disciplines = [
        logic.DisciplineFact(d["discipline_id"], d["measure"], d["decided_on"])
        for d in await store.select_disciplines(conn, member.member_id)
    ]
    refuse(logic.rating_refusal(command.rating, row["year"], facts, disciplines))
    await store.upsert_rating(
        conn, command.commitment_id, command.rating, principal.sub, principal.unit, command.reason, None
    )
    event = CommitmentRated(
        commitment_id=command.commitment_id,
        member_id=member.member_id,
        cell_id=member.cell_id,
        year=row["year"],
        rating=command.rating,
        is_leader=member.is_leader,
        is_head=member.is_head,
        rated_by_unit=principal.unit,
        reason=command.reason,
    )
    return Answer.recording(201, {**commitment_view(row), "rating": command.rating}, event, path)


async def issue_topic(conn: asyncpg.Connection, command: IssueTopic, principal: Principal, clock: Clock) -> Answer:
    """A committee publishes a thematic topic of a year for its subtree; a code taken before is a 409."""
    path = await unit_in_reach(
        conn,
        principal,
        command.issuing_unit_id,
        roles=access.COMMITTEES,
        field="issuing_unit_id",
        unknown=CommandRejected,
    )
    refuse(logic.issuing_refusal(await directory.unit_level(conn, command.issuing_unit_id)))
    if not await store.insert_topic(
        conn, command.topic_id, command.year, command.title, command.issuing_unit_id, path, principal.sub
    ):
        existing = await store.select_topic(conn, command.topic_id)
        raise Conflict("topic_id", f"{command.topic_id} is already in the catalogue", existing=topic_view(existing))
    event = ThematicTopicIssued(
        topic_id=command.topic_id, year=command.year, title=command.title, issuing_unit_id=command.issuing_unit_id
    )
    return Answer.recording(201, topic_view(await store.select_topic(conn, command.topic_id)), event, path)


async def check_session_record(
    conn: asyncpg.Connection, cell_id: str, record: SessionRecord, clock: Clock, path: list[str]
) -> None:
    """The session fits its month, is not in the future, names only members of the cell, and a topic of the
    catalogue of its year issued above the cell."""
    topic = await store.select_topic(conn, record.topic_id) if record.topic_id else None
    refuse(logic.topic_refusal(record.topic_id, record.kind, record.month, topic and dict(topic), path))
    members = await store.select_cell_members(conn, cell_id)
    named = {"praised": [p.member_id for p in record.praised], "reminded": [r.member_id for r in record.reminded]}
    refuse(
        logic.session_refusal(
            record.held_on, record.month, clock.today(), members, record.present, record.absent, named
        )
    )


async def record_session(
    conn: asyncpg.Connection, command: RecordSession, principal: Principal, clock: Clock
) -> Answer:
    """A cell held a session; a second regular session in a month is a 409 (send an amendment)."""
    path = await access.cell_in_reach(conn, principal, command.cell_id)
    await check_session_record(conn, command.cell_id, command, clock, path)
    session_id, content = str(uuid7()), logic.session_content(command)
    if not await store.insert_session(
        conn, session_id, command.cell_id, command.month, command.kind, command.held_on, content, principal.sub
    ):
        existing = await store.select_regular(conn, command.cell_id, command.month)
        raise Conflict(
            "month",
            f"{command.cell_id} already held its regular session of {command.month}; send an amendment to correct it",
            existing=session_view(existing),
        )
    event = SessionHeld(
        session_id=session_id,
        cell_id=command.cell_id,
        held_on=command.held_on,
        month=command.month,
        kind=command.kind,
        **content,
    )
    return Answer.recording(201, session_view(await store.lock_session(conn, session_id)), event, path)


async def amend_session(conn: asyncpg.Connection, command: AmendSession, principal: Principal, clock: Clock) -> Answer:
    """Correct a session record; the amended version replaces it (SessionAmended)."""
    row = await store.lock_session(conn, command.session_id)
    if row is None:
        raise NotFound("session_id", "unknown session")
    path = await access.cell_in_reach(conn, principal, row["cell_id"])
    await check_session_record(conn, row["cell_id"], command, clock, path)
    if command.kind == "regular" and (command.month, command.kind) != (row["month"], row["kind"]):
        clash = await store.select_regular(conn, row["cell_id"], command.month)
        if clash is not None:
            raise Conflict(
                "month",
                f"{row['cell_id']} already has a regular session in {command.month}",
                existing=session_view(clash),
            )
    revision, content = row["revision"] + 1, logic.session_content(command)
    await store.update_session(
        conn, command.session_id, command.month, command.kind, command.held_on, content, revision
    )
    event = SessionAmended(
        session_id=command.session_id,
        cell_id=row["cell_id"],
        held_on=command.held_on,
        month=command.month,
        kind=command.kind,
        revision=revision,
        reason=command.reason,
        **content,
    )
    return Answer.recording(201, session_view(await store.lock_session(conn, command.session_id)), event, path)


async def record_sessions(
    conn: asyncpg.Connection, command: RecordSessions, principal: Principal, clock: Clock
) -> Answer:
    """A session book, each row in its own savepoint: `created`, `exists` (the cell's regular session of
    that month, or a thematic one of that day, recorded before) or `rejected` with the reason.

    A row the token may not act on refuses the whole request (403) and nothing is written.
    """

    async def record_one(item: SessionBatchItem) -> RowResult:
        single = RecordSession.model_validate(item.model_dump(exclude={"line"}))
        await access.cell_in_reach(conn, principal, single.cell_id)
        if single.kind == "thematic":
            for held in await store.select_sessions_of_year(conn, single.cell_id, single.held_on.year):
                if (held["kind"], held["month"], held["held_on"]) == ("thematic", single.month, single.held_on):
                    return {"status": "exists", "session_id": held["session_id"]}, ()
        try:
            answer = await record_session(conn, single, principal, clock)
        except Conflict as error:
            return {"status": "exists", "session_id": error.details["existing"]["session_id"]}, ()
        return {"status": "created", "session_id": answer.body["session_id"]}, answer.events

    return await each_row(conn, command.items, record_one)


async def on_discipline_imposed(conn: asyncpg.Connection, event: DisciplineImposed, envelope: Envelope) -> None:
    """Remember the discipline; a commitment already rated for that year becomes not_completed (rule 3)."""
    if event.target.kind != "member":
        return
    await store.insert_discipline(conn, event.discipline_id, event.target.id, event.measure, event.decided_on)
    row = await store.lock_commitment_of_year(conn, event.target.id, event.decided_on.year)
    if row is None or row["rating"] in (None, "not_completed"):
        return
    reason = f"kỷ luật {event.discipline_id} ngày {event.decided_on:%d/%m/%Y}"
    await store.upsert_rating(
        conn, row["commitment_id"], "not_completed", envelope.actor, event.decided_by_unit, reason, event.discipline_id
    )
    rated = CommitmentRated(
        commitment_id=row["commitment_id"],
        member_id=row["member_id"],
        cell_id=row["cell_id"],
        year=row["year"],
        rating="not_completed",
        is_leader=row["is_leader"],
        is_head=row["is_head"],
        rated_by_unit=event.decided_by_unit,
        reason=reason,
        forced_by_discipline=event.discipline_id,
    )
    path = await directory.unit_path(conn, row["cell_id"]) or list(row["unit_path"])
    await outbox.record(conn, outbox.EventMeta.reacting_to(envelope, SERVICE), (rated, path))


COMMANDS = {
    FileCommitment: Grouped(file_commitment),
    FileCommitments: file_commitments,
    AmendCommitment: amend_commitment,
    RecordSelfReflection: Grouped(record_self_reflection),
    ReportCommitment: report_commitment,
    RateCommitment: rate_commitment,
    RecordSession: record_session,
    RecordSessions: record_sessions,
    AmendSession: amend_session,
    IssueTopic: issue_topic,
}
HANDLERS = {
    **directory.HANDLERS,
    DisciplineImposed.event_type: on_discipline_imposed,
}
TOPICS = [*directory.TOPICS, INSPECTIONS.name]
