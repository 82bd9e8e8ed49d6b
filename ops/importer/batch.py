"""The importers' common way: read the file once, checking each row as it comes, stream the good ones to a
service's batch endpoint in requests sized to its body limit, and report every row that did not go in.

Nothing but a 16-byte digest per row (to name the line a repeat repeats) is kept, so memory stays flat
however long the file is. Each request carries its own Idempotency-Key: a retry within a run replays the
service's answer; a later run asks afresh and the service answers `exists` for what it already has.
"""

import asyncio
import hashlib
import json
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from neuguong.numbers import vi_number
from neuguong.wording import field_reason
from neuguong.workbooks.columns import Layout
from ops.failures import Failure
from ops.importer.sheets import count_rows, read_header, read_rows
from ops.progress import Progress
from schemas import uuid7

MAX_ITEMS = 500  # what one batch command takes
ENVELOPE = len(b'{"items":[]}')


@dataclass
class ImportReport:
    """What an import did: rows created, rows there before, and every bad row with its reason."""

    created: int = 0
    existing: int = 0
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, reason)


@dataclass(frozen=True)
class Book:
    """One paper book's import: its columns, how a row becomes an item, its key, where it is sent."""

    layout: Layout
    endpoint: str
    parse: Callable[[dict[str, str]], dict[str, Any]]  # fields -> JSON item; raises ValueError("field: reason")
    key: Callable[[dict[str, Any]], Hashable]  # the natural key: one row per key in a file
    duplicate: tuple[str, str]  # (field, reason with {line}) of a row whose key an earlier row has


def default_body_limit() -> int:
    """The services' body limit as this environment configures it (NG_MAX_BODY_BYTES)."""
    from neuguong.runtime.settings import Settings

    return Settings().max_body_bytes


async def import_book(
    book: Book, path: Path, client: httpx.AsyncClient, *, max_bytes: int | None = None
) -> ImportReport:
    """Check the file's rows and send the good ones as they are read; re-running it adds nothing.

    Until 2026-12-03 the whole file was checked in a first pass, then read again to send: since the commitments
    batch became set-based, those two passes were most of an import's time."""
    report = ImportReport()
    missing = book.layout.missing(read_header(path))
    if missing:
        report.bad += [(1, c.label, "thiếu cột này trong dòng tiêu đề") for c in missing]
        return report
    sender = _Sender(book.endpoint, client, report, max_bytes or default_body_limit(), uuid7().hex)
    progress = Progress(f"nhập {path.name}", count_rows(path))
    reading = _Reading()
    try:
        chunks = _chunks(_good_items(book, path, report, reading), sender.max_bytes, report, reading)
        await _pipelined(chunks, sender, progress, reading)
        progress.complete()  # every row dealt with, blank ones at the end of the sheet too
    finally:
        progress.close()
    report.bad.sort()
    return report


def report_lines(name: str, layout: Layout, report: ImportReport) -> list[str]:
    """What an import prints for the clerk: the counts, then every bad row with its column and the reason in
    Vietnamese (a service's refusal as neuguong.wording words it, the service's own words beside)."""
    lines = [
        f"nhập {name}: {vi_number(report.created)} dòng mới, {vi_number(report.existing)} dòng đã có, "
        f"{vi_number(len(report.bad))} dòng sai"
    ]
    lines += [
        f"  dòng {line}, cột {layout.label(field)}: {field_reason(field, reason)}" for line, field, reason in report.bad
    ]
    return lines


SENDS_IN_FLIGHT = 2
"""Requests of one import at the service at once: one is filed while the next arrives."""


async def _pipelined(
    chunks: Iterator[list[bytes]], sender: "_Sender", progress: Progress, reading: "_Reading | None" = None
) -> None:
    """Send the chunks, reading the next from the workbook (in a thread) while earlier ones are at the service:
    the importer's parsing and the service's filing overlap. A refused request stops the import once the
    requests already sent have answered, so the count of rows filed that the refusal gives is whole; so does a
    file that breaks part-way (the rows read before it went in, and running it again files no row twice). The
    progress counts rows sent once answered, and rows passed over while reading (refused, blank) once read past."""
    counted = 0

    def count_passed() -> None:
        nonlocal counted
        if reading is not None and reading.passed > counted:
            progress.advance(reading.passed - counted)
            counted = reading.passed

    async def send(chunk: list[bytes]) -> None:
        await sender.send(chunk)
        progress.advance(len(chunk))

    in_flight: set[asyncio.Task[None]] = set()

    def settle(done: set[asyncio.Task[None]]) -> None:
        """Raise the first refusal among the finished requests (after reading every one's outcome)."""
        errors = [task.exception() for task in done]
        first = next((error for error in errors if error is not None), None)
        if first is not None:
            raise first

    try:
        try:
            while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
                count_passed()
                finished = {task for task in in_flight if task.done()}
                if len(in_flight) - len(finished) >= SENDS_IN_FLIGHT:
                    finished, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                in_flight -= finished
                settle(finished)  # nothing more is sent once a refusal is known
                in_flight.add(asyncio.create_task(send(chunk)))
        finally:
            await asyncio.gather(*in_flight, return_exceptions=True)
        count_passed()
        settle(in_flight)
    except _Refused as refused:
        raise Failure(_refusal(refused.reply, refused.chunk) + _filed_before(sender.report)) from None
    except Failure as unreadable:  # the file broke part-way (sheets.Unreadable): the rows before it may be in
        raise Failure(f"{unreadable}{_filed_before(sender.report)}", unreadable.code) from None


def _filed_before(report: ImportReport) -> str:
    return f"; trước đó đã nhập {vi_number(report.created)} dòng (chạy lại không nhập trùng)"


class _Refused(Exception):
    """The service refused a whole request (not one of its rows): the import stops."""

    def __init__(self, reply: httpx.Response, chunk: list[bytes]) -> None:
        super().__init__(reply.status_code)
        self.reply, self.chunk = reply, chunk


@dataclass
class _Reading:
    """Rows the reading thread passed over so far without sending them: refused, or blank (the progress counts
    them from the event loop)."""

    passed: int = 0


def _good_items(book: Book, path: Path, report: ImportReport, reading: _Reading) -> Iterator[tuple[int, bytes]]:
    """Each good row as (line, its JSON item); a row that does not parse, or repeats an earlier row's natural
    key, goes to the report instead. A key is kept as a 16-byte digest (the line it first appeared on beside
    it): a tuple of strings took three times the memory, and a province's file has 150.000 rows."""
    seen: dict[bytes, int] = {}
    previous = 1  # the header
    for line, cells in read_rows(path):
        reading.passed += line - previous - 1  # blank rows between
        previous = line
        try:
            item = book.parse(book.layout.fields(cells))
        except ValueError as error:
            where, _, reason = str(error).partition(": ")
            report.bad.append((line, where, reason))
            reading.passed += 1
            continue
        first = seen.setdefault(_digest(book.key(item)), line)
        if first != line:
            report.bad.append((line, book.duplicate[0], book.duplicate[1].format(line=first)))
            reading.passed += 1
            continue
        yield line, json.dumps({"line": line, **item}, ensure_ascii=False, separators=(",", ":")).encode()


def _digest(key: Hashable) -> bytes:
    return hashlib.blake2b(repr(key).encode(), digest_size=16).digest()


def _chunks(
    items: Iterable[tuple[int, bytes]], max_bytes: int, report: ImportReport, reading: _Reading | None = None
) -> Iterator[list[bytes]]:
    """Items in requests of at most MAX_ITEMS and `max_bytes` (the JSON body as sent)."""
    chunk: list[bytes] = []
    size = ENVELOPE
    for line, encoded in items:
        if ENVELOPE + len(encoded) > max_bytes:
            report.bad.append(
                (
                    line,
                    "-",
                    f"dòng dài {vi_number(len(encoded))} byte, quá giới hạn {vi_number(max_bytes)} byte một yêu cầu",
                )
            )
            if reading is not None:
                reading.passed += 1
            continue
        if chunk and (len(chunk) == MAX_ITEMS or size + 1 + len(encoded) > max_bytes):
            yield chunk
            chunk, size = [], ENVELOPE
        size += len(encoded) + (1 if chunk else 0)
        chunk.append(encoded)
    if chunk:
        yield chunk


@dataclass
class _Sender:
    endpoint: str
    client: httpx.AsyncClient
    report: ImportReport
    max_bytes: int
    run: str
    sent: int = 0
    attempts: int = 3

    async def send(self, chunk: list[bytes]) -> None:
        """POST one chunk; a 413 (the service's limit is lower than ours) splits it in two, down to a row that alone
        is too large: that one is a bad row, and the import goes on."""
        self.sent += 1
        body = b'{"items":[' + b",".join(chunk) + b"]}"
        reply = await self._post(body, key=f"import-{self.run}-{self.sent}")
        if reply.status_code == 413 and len(chunk) > 1:
            self.max_bytes = min(self.max_bytes, len(body) // 2)
            for half in (chunk[: len(chunk) // 2], chunk[len(chunk) // 2 :]):
                await self.send(half)
            return
        if reply.status_code == 413:  # one row alone is more than the service takes: a bad row, as _chunks says
            line = json.loads(chunk[0])["line"]
            self.report.bad.append(
                (line, "-", f"dòng dài {vi_number(len(chunk[0]))} byte, quá giới hạn một yêu cầu của dịch vụ")
            )
            return
        if reply.status_code != 200:
            raise _Refused(reply, chunk)
        for result in reply.json()["results"]:
            if result["status"] == "created":
                self.report.created += 1
            elif result["status"] == "exists":
                self.report.existing += 1
            else:
                self.report.bad.append((result["line"], result["field"], result["reason"]))

    async def _post(self, body: bytes, key: str) -> httpx.Response:
        headers = {"Idempotency-Key": key, "Content-Type": "application/json"}
        for attempt in range(1, self.attempts + 1):
            try:
                reply = await self.client.post(self.endpoint, content=body, headers=headers)
            except httpx.TransportError:
                if attempt == self.attempts:
                    raise
                await asyncio.sleep(attempt)
                continue
            if reply.status_code < 500 or attempt == self.attempts:
                return reply
            await asyncio.sleep(attempt)
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt


def _refusal(reply: httpx.Response, chunk: list[bytes]) -> str:
    """One line for a request the service refused whole: which rows it held (another request, sent beside it,
    may have gone in), and why, in Vietnamese where the wording knows the service's reason."""
    first, last = json.loads(chunk[0])["line"], json.loads(chunk[-1])["line"]
    rows = f"dòng {first}" if first == last else f"các dòng {first}–{last}"
    try:
        reason = str(reply.json()["detail"])
    except (ValueError, KeyError, TypeError):
        reason = reply.text[:200] or reply.reason_phrase
    field, _, said = reason.partition(": ")
    reason = field_reason(field, said) if said else reason
    if reply.status_code == 401:
        return f"token bị từ chối (hết hạn hoặc không hợp lệ): {reason}"
    if reply.status_code == 403:
        return f"token không được làm việc này; không nhập {rows}: {reason}"
    return f"dịch vụ từ chối yêu cầu gồm {rows} (HTTP {reply.status_code}): {reason}"
