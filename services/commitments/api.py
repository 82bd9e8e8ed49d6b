"""HTTP commands and queries of services/commitments."""

from datetime import date

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from neuguong.periods import today_local
from neuguong.runtime import directory, outbox
from neuguong.runtime.auth import Forbidden, Principal
from neuguong.runtime.errors import CommandRejected, Conflict, NotFound
from neuguong.runtime.http import CurrentPrincipal, IdempotencyKey, Pool, run_command
from neuguong.runtime.idempotency import Answer
from schemas import CommitmentFiled, PlanItem, uuid7
from schemas.commitments import TargetArea
from schemas.text import Identifier, Text
from services.commitments import logic, store

router = APIRouter(tags=["commitments"])


class PlanItemIn(BaseModel):
    """A plan item as the member writes it."""

    model_config = ConfigDict(extra="forbid")

    title: Text = Field(max_length=1000)
    deadline: date


class FileCommitment(BaseModel):
    """Command: file the yearly exemplary commitment of a member."""

    model_config = ConfigDict(extra="forbid")

    member_id: Identifier
    year: int = Field(ge=2000, le=2100)
    limitations: list[Text] = Field(default_factory=list, max_length=50)
    plan: list[PlanItemIn] = Field(default_factory=list, max_length=100)
    targets: dict[TargetArea, Text] = Field(default_factory=dict)


async def member_in_reach(
    conn: asyncpg.Connection, principal: Principal, member_id: str, unknown: type[CommandRejected]
) -> tuple[directory.Member, list[str]]:
    """The member and their unit path, once the principal may act for them: themselves, or a committee above."""
    member = await directory.find_member(conn, member_id)
    if member is None or member.left_party:
        raise unknown("member_id", "unknown member")
    path = await directory.unit_path(conn, member.cell_id)
    if principal.role == "member":
        if principal.sub != member_id:
            raise Forbidden("member_id: a member may only act for themselves")
    else:
        principal.require_role("cell_secretary", "committee")
        principal.require_subtree(path)
    return member, path


@router.post("/commitments", status_code=201)
async def file_commitment(
    command: FileCommitment, request: Request, principal: CurrentPrincipal, key: IdempotencyKey
) -> JSONResponse:
    """File a commitment: the row, its CommitmentFiled event and the idempotency record in one transaction."""

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        member, path = await member_in_reach(conn, principal, command.member_id, CommandRejected)
        refusal = logic.filing_refusal(member, command.year, today_local())
        if refusal:
            raise CommandRejected(*refusal)
        event = CommitmentFiled(
            commitment_id=str(uuid7()),
            member_id=member.member_id,
            cell_id=member.cell_id,
            year=command.year,
            is_leader=member.is_leader,
            is_head=member.is_head,
            limitations=command.limitations,
            plan=[PlanItem(item_id=f"p{i + 1}", **item.model_dump()) for i, item in enumerate(command.plan)],
            targets=command.targets,
        )
        content = event.model_dump(mode="json", include={"limitations", "plan", "targets"})
        inserted = await store.insert_commitment(
            conn, event.commitment_id, member.member_id, member.cell_id, command.year, content, principal.sub
        )
        if not inserted:
            existing = await store.select_commitment(conn, member.member_id, command.year)
            raise Conflict("year", f"{member.member_id} already filed a commitment for {command.year}",
                           existing=_public(existing))
        (envelope,) = await outbox.record(conn, meta, (event, path))
        body = {"commitment_id": event.commitment_id, "member_id": member.member_id, "year": command.year,
                "version": 1, "event_id": str(envelope.event_id)}
        return Answer(201, body)

    return await run_command(request, principal, key, "FileCommitment", command.model_dump(mode="json"), work)


@router.get("/members/{member_id}/commitments")
async def member_commitments(member_id: str, pool: Pool, principal: CurrentPrincipal) -> dict:
    """A member's commitments: visible to the member and to committees above them."""
    async with pool.acquire() as conn:
        await member_in_reach(conn, principal, member_id, NotFound)
        rows = await store.select_member_commitments(conn, member_id)
    return {"member_id": member_id, "commitments": [_public(row) for row in rows]}


def _public(row: asyncpg.Record) -> dict:
    return {
        "commitment_id": row["commitment_id"],
        "member_id": row["member_id"],
        "year": row["year"],
        "version": row["version"],
        "filed_at": row["filed_at"].isoformat(),
        **row["content"],
    }
