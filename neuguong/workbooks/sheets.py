"""Reading CSV and XLSX files as rows of text cells keyed by a normalised header, streamed.

An XLSX is read with openpyxl's read-only mode (rows are parsed as they are reached, never the whole
workbook), a CSV line by line, so an import's memory does not grow with the file.
"""

import contextlib
import csv
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError

SUFFIXES = (".csv", ".xlsx")


class Unreadable(ValueError):
    """A file that cannot be read as a workbook, with one line a clerk can act on (in Vietnamese)."""


def header_key(label: object) -> str:
    """A header label as matched against the known columns: NFC, lower case, single spaces."""
    text = unicodedata.normalize("NFC", str(label or "")).casefold()
    return " ".join(text.replace("_", " ").split())


def cell_text(value: object, *, normalise: bool = True) -> str:
    """A cell as text: NFC (unless `normalise` is off), dates as ISO, whole floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return unicodedata.normalize("NFC", text) if normalise else text


def read_rows(path: Path, *, normalise: bool = True) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {header key: cell text}) for every non-empty data row.

    Rows are numbered as a spreadsheet shows them (the header is row 1), also in a CSV whose cells
    span several physical lines. A file that cannot be read raises Unreadable with one line.
    """
    for number, cells in _rows(path, normalise):
        if number > 1:
            yield number, cells


def read_header(path: Path) -> list[str]:
    """The header keys of a file (its first row)."""
    for _, cells in _rows(path, True):
        return list(cells)
    return []


def count_rows(path: Path) -> int | None:
    """How many rows a file has below its header, empty ones included, as cheaply as its format allows: a CSV's
    records; an XLSX's own dimension, read when the workbook opens (None when the workbook does not state it, as
    openpyxl's write-only mode leaves it; Excel and LibreOffice write it). The total of an import's progress.
    A file that cannot be read raises Unreadable with one line, as `read_rows` does."""
    with _reading(path):
        if path.suffix.lower() == ".csv":
            with path.open(newline="", encoding="utf-8-sig") as handle:
                return max(sum(1 for _ in csv.reader(handle)) - 1, 0)
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = workbook.active.max_row
            return None if rows is None else max(rows - 1, 0)
        finally:
            workbook.close()


def _rows(path: Path, normalise: bool) -> Iterator[tuple[int, dict[str, str]]]:
    place = _Place()
    with _reading(path, place):
        for number, cells in (_xlsx_rows if path.suffix.lower() == ".xlsx" else _csv_rows)(path, normalise):
            place.line = number
            yield number, cells


class _Place:
    """The last row read so far: a file that breaks part-way says after which."""

    line = 0


@contextlib.contextmanager
def _reading(path: Path, place: _Place | None = None) -> Iterator[None]:
    """Whatever goes wrong reading `path` as Unreadable, in one line a clerk can act on (and after which row,
    when it broke part-way: the rows before it may already be filed)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        hint = "; lưu lại thành .xlsx" if suffix == ".xls" else ""
        raise Unreadable(f"tệp {path.name}: chỉ nhập được tệp .csv hoặc .xlsx{hint}")
    if not path.is_file():
        raise Unreadable(f"không tìm thấy tệp {path}")
    try:
        yield
    except UnicodeDecodeError:
        read = f" (đọc được đến dòng {place.line})" if place is not None and place.line > 1 else ""
        raise Unreadable(f"tệp {path.name} không phải CSV UTF-8: trong Excel, lưu lại bằng 'CSV UTF-8'{read}") from None
    except (zipfile.BadZipFile, KeyError, OSError, ParseError, zlib.error, EOFError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        if place is not None and place.line > 1:
            raise Unreadable(
                f"tệp {path.name} hỏng từ sau dòng {place.line}, không đọc được phần còn lại: "
                "mở bằng Excel rồi lưu thành tệp mới"
            ) from None
        raise Unreadable(f"tệp {path.name} không phải bảng tính Excel (.xlsx) đọc được") from None


def _csv_rows(path: Path, normalise: bool) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:  # Excel writes a BOM
        reader = csv.reader(handle)
        header = [header_key(label) for label in next(reader, [])]
        yield 1, dict.fromkeys(header, "")
        for row_number, values in enumerate(reader, start=2):
            if any(v.strip() for v in values):
                yield row_number, dict(zip(header, (cell_text(v, normalise=normalise) for v in values), strict=False))


def _xlsx_rows(path: Path, normalise: bool) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except InvalidFileException:
        raise Unreadable(f"tệp {path.name} không phải bảng tính Excel (.xlsx) đọc được") from None
    try:
        sheet = workbook.active
        # Every row the sheet holds, not only those inside the size it states: a workbook whose <dimension> is too
        # small (some tools write it so) would otherwise lose its last rows without a word.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        header = [header_key(label) for label in next(rows, ())]
        yield 1, dict.fromkeys(header, "")
        for line, values in enumerate(rows, start=2):
            cells = [cell_text(v, normalise=normalise) for v in values]
            if any(cells):
                yield line, dict(zip(header, cells, strict=False))
    finally:
        workbook.close()
