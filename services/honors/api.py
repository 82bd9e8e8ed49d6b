"""HTTP commands on the honor roll: record an honor, revoke one by hand."""

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from neuguong.periods import today_local
from neuguong.runtime import outbox
from neuguong.runtime.errors import Conflict, NotFound
from neuguong.runtime.http import CurrentPrincipal, IdempotencyKey, run_command
from neuguong.runtime.idempotency import Answer
from services.honors import roll as honor_roll
from services.honors import store
from services.honors.access import find_subject, own_roll
from services.honors.commands import RecordHonor, RevokeHonor
from services.honors.views import honor_view

router = APIRouter(tags=["honors"])


@router.post("/honors", status_code=201)
async def record_honor(command: RecordHonor, request: Request, principal: CurrentPrincipal,
                       key: IdempotencyKey) -> JSONResponse:
    """Write an honor on the roll of the token's unit, whose level it takes (rules 5–7)."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        today = today_local()
        roll = await own_roll(conn, principal, command.recording_unit_id, "recording_unit_id", command.level)
        honor_roll.check_cadence(roll, command.period, today)
        subject = await find_subject(conn, command.subject.kind, command.subject.id)
        honor_roll.check_subject(subject, roll)
        await honor_roll.refuse_if_on_roll(conn, subject, roll.level, command.period)
        await honor_roll.check_eligible(conn, subject, command.period, today)
        content = command.model_dump(mode="json", include={"period", "deed", "evidence", "proposed_by",
                                                           "approved_by", "consent_to_publish"})
        return await honor_roll.write_honor(conn, meta, subject, roll, content, principal.sub, today)

    return await run_command(request, principal, key, "RecordHonor", command.model_dump(mode="json"), work)


@router.post("/honors/{honor_id}/revocation", status_code=201)
async def revoke_honor(honor_id: str, command: RevokeHonor, request: Request, principal: CurrentPrincipal,
                       key: IdempotencyKey) -> JSONResponse:
    """An operator takes an honor of its subtree off the roll, saying why; its publicity is retracted."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        principal.require_role("operator")
        honor = await store.lock_honor(conn, honor_id)
        if honor is None:
            raise NotFound("honor_id", "unknown honor")
        principal.require_subtree(list(honor["unit_path"]))
        if honor["revoked_at"] is not None:
            raise Conflict("honor_id", "already revoked", existing=honor_view(honor))
        row = await honor_roll.strike_off(conn, meta, honor, command.reason, note=command.note)
        return Answer(201, honor_view(row))

    return await run_command(request, principal, key, "RevokeHonor", [honor_id, command.model_dump(mode="json")],
                             work)
