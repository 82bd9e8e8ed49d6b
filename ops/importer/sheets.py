"""The workbook reader of neuguong.workbooks for the command line: a file that cannot be read ends the import
with one line and the usage exit code (Failure) instead of an exception."""

from collections.abc import Iterator
from pathlib import Path

from neuguong.workbooks import sheets
from neuguong.workbooks.sheets import cell_text, header_key
from ops.failures import EXIT_USAGE, Failure

__all__ = ["cell_text", "count_rows", "header_key", "read_header", "read_rows"]


def read_rows(path: Path, *, normalise: bool = True) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {header key: cell text}) for every non-empty data row; Failure when unreadable."""
    try:
        yield from sheets.read_rows(path, normalise=normalise)
    except sheets.Unreadable as error:
        raise Failure(str(error), EXIT_USAGE) from None


def read_header(path: Path) -> list[str]:
    """The header keys of a file (its first row); Failure when unreadable."""
    try:
        return sheets.read_header(path)
    except sheets.Unreadable as error:
        raise Failure(str(error), EXIT_USAGE) from None


def count_rows(path: Path) -> int | None:
    """The rows below a file's header, empty ones included, when it states them (a progress total); Failure
    when unreadable."""
    try:
        return sheets.count_rows(path)
    except sheets.Unreadable as error:
        raise Failure(str(error), EXIT_USAGE) from None
