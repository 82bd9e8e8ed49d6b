"""`neuguong import sessions FILE`: the cell session book (sổ sinh hoạt chi bộ) through POST /sessions/batch."""

from pathlib import Path

import httpx
from pydantic import ValidationError

from neuguong.workbooks.sessions import DUPLICATE, LAYOUT, session_body, session_key
from ops.importer.batch import Book, ImportReport, import_book
from services.commitments.commands import RecordSession


def parse_row(row: dict[str, str]) -> dict:
    """A row (cells by field) as a RecordSession body (raises ValueError naming the column)."""
    try:
        return RecordSession.model_validate(session_body(row)).model_dump(mode="json")
    except ValidationError as error:
        raise LAYOUT.refusal(error) from None


BOOK = Book(
    LAYOUT,
    "/sessions/batch",
    parse_row,
    key=session_key,
    duplicate=DUPLICATE,
)


async def import_sessions(path: Path, client: httpx.AsyncClient, *, max_bytes: int | None = None) -> ImportReport:
    """Import a session book (CSV or XLSX) through POST /sessions/batch; re-running it adds nothing."""
    return await import_book(BOOK, path, client, max_bytes=max_bytes)
