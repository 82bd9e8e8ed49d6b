"""Batch commands (the spreadsheet imports' way in): every row stands or falls alone.

A malformed row is refused by itself (its line, field and reason in the answer) while the other rows go
on, as a clerk's import expects. Each valid row runs in its own savepoint (`each_row`), or every row is decided
first and the rows are then written together (`decide_rows`: the commitments import, one statement for 500
rows). A row the token may not act on refuses the whole request (403: the transaction writes nothing).
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, ValidationError, WrapValidator

from neuguong.runtime.answers import AnswerModel
from neuguong.runtime.auth import Forbidden
from neuguong.runtime.commands import Answer
from neuguong.runtime.errors import CommandRejected
from neuguong.runtime.input import SMALL_COUNT
from schemas import Event


class RowRefused(BaseModel):
    """A row of a batch that did not validate: its line (when it had a usable one) and the field at fault."""

    line: int | None
    field: str
    reason: str

    @classmethod
    def of(cls, row: Any, error: ValidationError) -> "RowRefused":
        """The first error of a row, its field named as in a single command."""
        first = error.errors()[0]
        line = row.get("line") if isinstance(row, dict) else None
        usable = isinstance(line, int) and not isinstance(line, bool) and 1 <= line <= SMALL_COUNT
        return cls(
            line=line if usable else None,
            field=".".join(str(p) for p in first["loc"]) or "row",
            reason=first["msg"].removeprefix("Value error, "),
        )


class RowAnswer(AnswerModel):
    """What one row of a batch came to: `created` or `exists` with the id of its entry, or `rejected` with the
    field and the reason (and the rule's details, as a single command's 4xx has them)."""

    model_config = ConfigDict(extra="allow")

    line: int | None = Field(description="the row's line in the source file (null when it had no usable one)")
    item: int | None = Field(None, description="the row's position in `items`, for a malformed row")
    status: Literal["created", "exists", "rejected"]
    field: str | None = Field(None, description="the field at fault of a rejected row")
    reason: str | None = Field(None, description="why the row was rejected")


class BatchAnswer(AnswerModel):
    """A batch's answer: one result per row, in the order sent."""

    results: list[RowAnswer]


def row_of(model: type[BaseModel]) -> Any:
    """The type of a batch row: validated as `model`, or kept as a RowRefused for `each_row` to answer as
    a rejected row. Documented as `model`."""

    def validate(value: Any, _: Any) -> BaseModel | RowRefused:
        if isinstance(value, model | RowRefused):
            return value
        try:
            return model.model_validate(value)
        except ValidationError as error:
            return RowRefused.of(value, error)

    return Annotated[model | RowRefused, WrapValidator(validate, json_schema_input_type=model)]


T = TypeVar("T")

RowResult = tuple[dict[str, Any], Sequence[tuple[Event, list[str]]]]
"""What one row answers (`{"status": "created" | "exists", ...}`) and the events it caused."""


async def each_row(conn: asyncpg.Connection, rows: Sequence[Any], run: Callable[[Any], Awaitable[RowResult]]) -> Answer:
    """Run every valid row in a savepoint: its result, or `rejected` with the field, the reason and the rule's
    details; a malformed row is `rejected` as it was refused; a Forbidden row raises (403 for the request)."""
    results: list[dict[str, Any]] = []
    events: list[tuple[Event, list[str]]] = []
    for position, row in enumerate(rows, start=1):
        if isinstance(row, RowRefused):
            results.append(_refused(row, position))
            continue
        try:
            async with conn.transaction():
                result, caused = await run(row)
        except Forbidden as error:
            raise Forbidden(f"items: line {row.line}: {error}") from error
        except CommandRejected as error:
            results.append(_rejected(row, error))
        else:
            results.append({"line": row.line, **result})
            events += caused
    return Answer(200, {"results": results}, events)


@dataclass(frozen=True, slots=True)
class Decided(Generic[T]):
    """A valid row of a batch and what was decided for it, to be written with the other rows."""

    row: Any
    decision: T


def decide_rows(rows: Sequence[Any], decide: Callable[[Any], T]) -> list[dict[str, Any] | Decided[T]]:
    """Each row decided before anything is written, for a batch that then writes its rows together (one
    statement for all, not a savepoint each): a malformed row, or one `decide` refuses with CommandRejected, as
    its `rejected` result, as `each_row` answers it; else Decided. A row the token may not act on raises
    Forbidden naming its line (403 for the request)."""
    outcomes: list[dict[str, Any] | Decided[T]] = []
    for position, row in enumerate(rows, start=1):
        if isinstance(row, RowRefused):
            outcomes.append(_refused(row, position))
            continue
        try:
            outcomes.append(Decided(row, decide(row)))
        except Forbidden as error:
            raise Forbidden(f"items: line {row.line}: {error}") from error
        except CommandRejected as error:
            outcomes.append(_rejected(row, error))
    return outcomes


def _refused(row: RowRefused, position: int) -> dict[str, Any]:
    return {"line": row.line, "item": position, "status": "rejected", "field": row.field, "reason": row.reason}


def _rejected(row: Any, error: CommandRejected) -> dict[str, Any]:
    return {"line": row.line, "status": "rejected", "field": error.field, "reason": error.reason, **error.details}
