"""`neuguong import commitments FILE`: validate every row, file the valid ones over HTTP, report the rest."""

from pathlib import Path

import httpx
from pydantic import ValidationError

from neuguong.workbooks.commitments import DUPLICATE, LAYOUT, commitment_body, commitment_key
from ops.importer.batch import Book, ImportReport, import_book
from services.commitments.commands import FileCommitment

__all__ = ["LAYOUT", "ImportReport", "import_commitments", "parse_row"]


def parse_row(row: dict[str, str]) -> dict:
    """A row (cells by field) as a FileCommitment body (raises ValueError naming the column, in Vietnamese)."""
    try:
        return FileCommitment.model_validate(commitment_body(row)).model_dump(mode="json")
    except ValidationError as error:
        raise LAYOUT.refusal(error) from None


BOOK = Book(
    LAYOUT,
    "/commitments/batch",
    parse_row,
    key=commitment_key,
    duplicate=DUPLICATE,
)


async def import_commitments(path: Path, client: httpx.AsyncClient, *, max_bytes: int | None = None) -> ImportReport:
    """Import a CSV or XLSX file through POST /commitments/batch; re-running it adds nothing."""
    return await import_book(BOOK, path, client, max_bytes=max_bytes)
