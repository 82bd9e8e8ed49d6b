"""Reading CSV and XLSX files as rows of text cells keyed by a normalised header."""

import csv
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path


def header_key(label: object) -> str:
    """A header label as matched against the known columns: NFC, lower case, single spaces."""
    text = unicodedata.normalize("NFC", str(label or "")).casefold()
    return " ".join(text.replace("_", " ").split())


def cell_text(value: object) -> str:
    """A cell as text: NFC, dates as ISO, whole floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {header key: cell text}) for every non-empty data row.

    Rows are numbered as a spreadsheet shows them (the header is row 1), also in a CSV whose cells
    span several physical lines.
    """
    if path.suffix.lower() == ".xlsx":
        yield from _xlsx_rows(path)
    elif path.suffix.lower() == ".csv":
        yield from _csv_rows(path)
    else:
        raise ValueError(f"{path.name}: only .csv and .xlsx files can be imported")


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:  # Excel writes a BOM
        reader = csv.reader(handle)
        header = [header_key(label) for label in next(reader, [])]
        for row_number, values in enumerate(reader, start=2):
            if any(v.strip() for v in values):
                yield row_number, dict(zip(header, (cell_text(v) for v in values), strict=False))


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = [header_key(label) for label in next(rows, ())]
        for line, values in enumerate(rows, start=2):
            cells = [cell_text(v) for v in values]
            if any(cells):
                yield line, dict(zip(header, cells, strict=False))
    finally:
        workbook.close()
