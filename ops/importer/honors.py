"""`neuguong import honors FILE`: the honor roll (sổ ghi danh) through POST /honors/batch.

The token's unit keeps the roll: every row goes on it (its level fixes the honors' level). Rows the
eligibility gate refuses (rule 6) come back as bad rows with the gate's reasons.
"""

from pathlib import Path

import httpx
from pydantic import ValidationError

from neuguong.workbooks.honors import DUPLICATE, LAYOUT, honor_body, honor_key
from ops.importer.batch import Book, ImportReport, import_book
from services.honors.commands import RecordHonor


def parse_row(row: dict[str, str]) -> dict:
    """A row (cells by field) as a RecordHonor body (raises ValueError naming the column)."""
    try:
        return RecordHonor.model_validate(honor_body(row)).model_dump(mode="json", exclude_none=True)
    except ValidationError as error:
        raise LAYOUT.refusal(error) from None


BOOK = Book(
    LAYOUT,
    "/honors/batch",
    parse_row,
    key=honor_key,
    duplicate=DUPLICATE,
)


async def import_honors(path: Path, client: httpx.AsyncClient, *, max_bytes: int | None = None) -> ImportReport:
    """Import an honor roll (CSV or XLSX) through POST /honors/batch; re-running it adds nothing."""
    return await import_book(BOOK, path, client, max_bytes=max_bytes)
