"""Filing many commitments in one request: the spreadsheet import's way in, through the same rules."""

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from neuguong.runtime import outbox
from neuguong.runtime.auth import Forbidden
from neuguong.runtime.errors import CommandRejected, Conflict
from neuguong.runtime.http import CurrentPrincipal, IdempotencyKey, run_command
from neuguong.runtime.idempotency import Answer
from services.commitments.api import file_one
from services.commitments.commands import Command, FileCommitment

router = APIRouter(tags=["commitments"])


class BatchItem(FileCommitment):
    """One row of an import: the commitment and where it came from."""

    line: int = Field(ge=1, description="the row's line in the source file, echoed in the answer")


class FileCommitments(Command):
    """Command: file up to 500 commitments; each row stands or falls alone."""

    items: list[BatchItem] = Field(min_length=1, max_length=500)


@router.post("/commitments/batch", status_code=200)
async def file_commitments(command: FileCommitments, request: Request, principal: CurrentPrincipal,
                           key: IdempotencyKey) -> JSONResponse:
    """Each row is filed in its own savepoint: `created`, `exists` (filed before) or `rejected` with the reason.

    A row the token may not act on refuses the whole request (403) and nothing is written.
    """

    async def work(conn: asyncpg.Connection, meta: outbox.EventMeta) -> Answer:
        results = []
        for item in command.items:
            single = FileCommitment.model_validate(item.model_dump(exclude={"line"}))
            try:
                async with conn.transaction():
                    answer = await file_one(conn, meta, principal, single)
                results.append({"line": item.line, "status": "created",
                                "commitment_id": answer.body["commitment_id"]})
            except Conflict as error:
                results.append({"line": item.line, "status": "exists",
                                "commitment_id": error.details["existing"]["commitment_id"]})
            except Forbidden as error:
                raise Forbidden(f"items: line {item.line}: {error}") from error
            except CommandRejected as error:
                results.append({"line": item.line, "status": "rejected", "field": error.field,
                                "reason": error.reason})
        return Answer(200, {"results": results})

    return await run_command(request, principal, key, "FileCommitments", command.model_dump(mode="json"), work)

