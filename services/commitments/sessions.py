"""HTTP commands and reads of cell sessions (sinh hoạt chi bộ)."""

import asyncpg
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from neuguong.periods import today_local
from neuguong.runtime import outbox
from neuguong.runtime.errors import Conflict, NotFound
from neuguong.runtime.http import CurrentPrincipal, IdempotencyKey, Pool, run_command
from neuguong.runtime.idempotency import Answer
from schemas import SessionHeld, uuid7
from schemas.commitments import SessionAmended
from services.commitments import logic, sessions_store
from services.commitments.access import cell_in_reach
from services.commitments.api import refuse
from services.commitments.commands import AmendSession, RecordSession, SessionRecord
from services.commitments.views import session_view

router = APIRouter(tags=["sessions"])


async def check_record(conn: asyncpg.Connection, cell_id: str, record: SessionRecord) -> None:
    """The session fits its month, is not in the future, and names only members of the cell."""
    members = await sessions_store.select_cell_members(conn, cell_id)
    named = {"praised": [p.member_id for p in record.praised], "reminded": [r.member_id for r in record.reminded]}
    refuse(logic.session_refusal(record.held_on, record.month, today_local(), members, record.present,
                                 record.absent, named))


def content_of(record: SessionRecord) -> dict:
    """The stored content of a session record (everything but its keys)."""
    return record.model_dump(mode="json", include={"topic_title", "present", "absent", "praised", "reminded",
                                                   "resolution"})


@router.post("/sessions", status_code=201)
async def record_session(command: RecordSession, request: Request, principal: CurrentPrincipal,
                         key: IdempotencyKey) -> JSONResponse:
    """A cell held a session; a second regular session in a month is a 409 (send an amendment)."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        path = await cell_in_reach(conn, principal, command.cell_id)
        await check_record(conn, command.cell_id, command)
        session_id, content = str(uuid7()), content_of(command)
        if not await sessions_store.insert_session(conn, session_id, command.cell_id, command.month, command.kind,
                                                   command.held_on, content, principal.sub):
            existing = await sessions_store.select_regular(conn, command.cell_id, command.month)
            raise Conflict("month", f"{command.cell_id} already held its regular session of {command.month}; "
                                    "send an amendment to correct it", existing=session_view(existing))
        event = SessionHeld(session_id=session_id, cell_id=command.cell_id, held_on=command.held_on,
                            month=command.month, kind=command.kind, **content)
        (envelope,) = await outbox.record(conn, meta, (event, path))
        row = await sessions_store.lock_session(conn, session_id)
        return Answer(201, {**session_view(row), "event_id": str(envelope.event_id)})

    return await run_command(request, principal, key, "RecordSession", command.model_dump(mode="json"), work)


@router.post("/sessions/{session_id}/amendments", status_code=201)
async def amend_session(session_id: str, command: AmendSession, request: Request, principal: CurrentPrincipal,
                        key: IdempotencyKey) -> JSONResponse:
    """Correct a session record; the amended version replaces it (SessionAmended)."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        row = await sessions_store.lock_session(conn, session_id)
        if row is None:
            raise NotFound("session_id", "unknown session")
        path = await cell_in_reach(conn, principal, row["cell_id"])
        await check_record(conn, row["cell_id"], command)
        if command.kind == "regular" and (command.month, command.kind) != (row["month"], row["kind"]):
            clash = await sessions_store.select_regular(conn, row["cell_id"], command.month)
            if clash is not None:
                raise Conflict("month", f"{row['cell_id']} already has a regular session in {command.month}",
                               existing=session_view(clash))
        revision, content = row["revision"] + 1, content_of(command)
        await sessions_store.update_session(conn, session_id, command.month, command.kind, command.held_on,
                                            content, revision)
        event = SessionAmended(session_id=session_id, cell_id=row["cell_id"], held_on=command.held_on,
                               month=command.month, kind=command.kind, revision=revision, reason=command.reason,
                               **content)
        (envelope,) = await outbox.record(conn, meta, (event, path))
        updated = await sessions_store.lock_session(conn, session_id)
        return Answer(201, {**session_view(updated), "event_id": str(envelope.event_id)})

    return await run_command(request, principal, key, "AmendSession",
                             [session_id, command.model_dump(mode="json")], work)


@router.get("/cells/{cell_id}/sessions")
async def cell_sessions(cell_id: str, pool: Pool, principal: CurrentPrincipal,
                        year: int = Query(ge=2000, le=2100)) -> dict:
    """A cell's sessions of a year, and the months and quarters it missed so far (rule 4)."""
    async with pool.acquire() as conn:
        await cell_in_reach(conn, principal, cell_id)
        rows = await sessions_store.select_sessions_of_year(conn, cell_id, year)
    today = today_local()
    # Only months that have ended can have been missed: the running month still has time.
    through = 12 if year < today.year else (today.month - 1 if year == today.year else 0)
    missing_regular, missing_thematic = logic.missing_sessions([(r["month"], r["kind"]) for r in rows], year, through)
    return {"cell_id": cell_id, "year": year, "sessions": [session_view(r) for r in rows],
            "missing_regular": missing_regular, "missing_thematic": missing_thematic}
