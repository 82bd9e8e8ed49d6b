"""The columns of an importer's workbook: the header a template writes, the others it reads, and the
comment that tells a clerk what goes in it."""

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from neuguong.workbooks.sheets import header_key


@dataclass(frozen=True)
class Column:
    """One column: its field, its Vietnamese header, the header comment, and other headers read as it."""

    field: str
    label: str
    note: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Layout:
    """The columns of one importer's workbook, in the order a template writes them."""

    name: str
    title: str
    columns: Sequence[Column]
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup = {}
        for column in self.columns:
            for label in (column.label, column.field, *column.aliases):
                lookup[header_key(label)] = column.field
        object.__setattr__(self, "_lookup", lookup)

    def fields(self, cells: dict[str, str]) -> dict[str, str]:
        """A row's cells keyed by field (headers the layout does not know are left out)."""
        return {self._lookup[k]: v for k, v in cells.items() if k in self._lookup}

    def present(self, header: Iterable[str]) -> set[str]:
        """The fields a file's header names."""
        return {self._lookup[k] for k in header if k in self._lookup}

    def missing(self, header: Iterable[str]) -> list[Column]:
        """The required columns a file's header lacks."""
        present = self.present(header)
        return [c for c in self.columns if c.required and c.field not in present]

    def label(self, name: str) -> str:
        """The header of a field (or of a name the API gives it), as a clerk sees it in the template."""
        for candidate in (name, name.split(".")[0], name.rsplit(".", 1)[-1]):  # plan.2; targets.discipline
            for column in self.columns:
                if candidate == column.field or candidate in column.aliases:
                    return column.label
        return name

    def read(self, row: dict[str, str], readers: Mapping[str, Callable[[str], Any]]) -> dict[str, Any]:
        """The non-empty cells `readers` know, each read by its reader; a cell a reader refuses is a
        ValueError naming the column ("Ngày sinh hoạt: ...")."""
        values = {}
        for name, read in readers.items():
            if row.get(name):
                try:
                    values[name] = read(row[name])
                except ValueError as error:
                    raise ValueError(f"{self.label(name)}: {error}") from None
        return values

    def refusal(self, error: ValidationError) -> ValueError:
        """The first error of a command model as a ValueError naming the column."""
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return ValueError(f"{self.label(where)}: {_in_vietnamese(first)}")


def _in_vietnamese(error: Any) -> str:
    """pydantic's reason as a clerk reads it (the common ones; others as pydantic words them)."""
    kind, context = error["type"], error.get("ctx") or {}
    empty = kind in ("missing", "string_too_short", "string_type", "string_pattern_mismatch") and not error.get("input")
    if empty or ("input" in error and error["input"] is None):  # a blank cell, whatever type the field wants
        return "bắt buộc, đang để trống"
    if kind == "string_pattern_mismatch":
        return "không đúng dạng mã: chữ không dấu, số và . _ : - (không có khoảng trắng)"
    if kind == "string_too_long":
        return f"dài quá {context.get('max_length')} ký tự"
    if kind == "too_long":
        return f"nhiều quá {context.get('max_length')} mục"
    if kind == "greater_than_equal":
        return f"phải từ {_as_read(context.get('ge'))} trở lên"
    if kind == "less_than_equal":
        return f"không được quá {_as_read(context.get('le'))}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def _as_read(bound: Any) -> str:
    """A bound as a clerk writes it: a date (pydantic gives it as text) as dd/mm/yyyy."""
    with contextlib.suppress(ValueError, TypeError):
        return date.fromisoformat(str(bound)).strftime("%d/%m/%Y")
    return str(bound)
