"""`neuguong import commitments FILE`: validate every row, file the valid ones over HTTP, report the rest."""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import httpx
from pydantic import ValidationError

from neuguong.importer.sheets import header_key, read_rows
from neuguong.progress import Progress
from schemas import uuid7
from services.commitments.commands import FileCommitment

CHUNK = 500
# Column headers, in English (the API's field names) or as the provinces' forms word them.
COLUMNS = {
    "member_id": ("member id", "mã đảng viên"),
    "year": ("year", "năm"),
    "limitations": ("limitations", "hạn chế, khuyết điểm cần khắc phục", "hạn chế cần khắc phục"),
    "plan": ("plan", "kế hoạch thực hiện", "kế hoạch"),
    "political_ideology": ("political ideology", "về tư tưởng chính trị", "tư tưởng chính trị"),
    "ethics_lifestyle": ("ethics lifestyle", "về phẩm chất đạo đức, lối sống", "đạo đức, lối sống"),
    "working_style": ("working style", "về tác phong, lề lối làm việc", "tác phong, lề lối làm việc"),
    "discipline": ("discipline", "về ý thức tổ chức kỷ luật", "ý thức tổ chức kỷ luật"),
    "task_results": ("task results", "về kết quả thực hiện nhiệm vụ", "kết quả thực hiện nhiệm vụ"),
}
TARGET_AREAS = ("political_ideology", "ethics_lifestyle", "working_style", "discipline", "task_results")
_LOOKUP = {header_key(label): name for name, labels in COLUMNS.items() for label in labels}


@dataclass
class ImportReport:
    """What an import did: rows created, rows filed before, and every bad row with its reason."""

    created: int = 0
    existing: int = 0
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, reason)


def parse_row(cells: dict[str, str]) -> FileCommitment:
    """A spreadsheet row as the FileCommitment command (raises ValueError naming the field)."""
    row = {_LOOKUP[k]: v for k, v in cells.items() if k in _LOOKUP}
    body: dict = {"member_id": row.get("member_id") or None, "year": row.get("year") or None,
                  "limitations": _lines(row.get("limitations", "")),
                  "plan": [_plan_item(n, text) for n, text in enumerate(_lines(row.get("plan", "")), start=1)],
                  "targets": {area: row[area] for area in TARGET_AREAS if row.get(area)}}
    try:
        return FileCommitment.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        raise ValueError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _plan_item(number: int, text: str) -> dict:
    title, sep, deadline = text.rpartition("|")
    if not sep or not title.strip():
        raise ValueError(f"plan.{number}: write each item as 'nội dung | hạn' (got {text!r})")
    return {"title": title.strip(), "deadline": _date(deadline.strip(), f"plan.{number}")}


def _date(text: str, where: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{where}: deadline {text!r} is not a date (dd/mm/yyyy)")


def validate(rows: Iterable[tuple[int, dict[str, str]]], report: ImportReport) -> list[tuple[int, FileCommitment]]:
    """The rows that parse, once each (member, year); the others go into the report."""
    valid, seen = [], {}
    for line, cells in rows:
        try:
            command = parse_row(cells)
        except ValueError as error:
            where, _, reason = str(error).partition(": ")
            report.bad.append((line, where, reason))
            continue
        first = seen.setdefault((command.member_id, command.year), line)
        if first != line:
            report.bad.append((line, "member_id", f"same member and year as line {first}"))
            continue
        valid.append((line, command))
    return valid


async def import_commitments(path: Path, client: httpx.AsyncClient) -> ImportReport:
    """Import a CSV or XLSX file through POST /commitments/batch; re-running it adds nothing."""
    report = ImportReport()
    valid = validate(read_rows(path), report)
    progress = Progress(f"import {path.name}", len(valid))
    run = uuid7().hex  # a retry within this run replays its answer; a later run asks afresh
    for start in range(0, len(valid), CHUNK):
        chunk = [{"line": line, **c.model_dump(mode="json")} for line, c in valid[start : start + CHUNK]]
        reply = await _post_chunk(client, chunk, key=f"import-{run}-{start // CHUNK}")
        for result in reply.json()["results"]:
            if result["status"] == "created":
                report.created += 1
            elif result["status"] == "exists":
                report.existing += 1
            else:
                report.bad.append((result["line"], result["field"], result["reason"]))
        progress.advance(len(chunk))
    progress.close()
    report.bad.sort()
    return report


async def _post_chunk(client: httpx.AsyncClient, chunk: list[dict], key: str, attempts: int = 3) -> httpx.Response:
    for attempt in range(1, attempts + 1):
        try:
            reply = await client.post("/commitments/batch", json={"items": chunk}, headers={"Idempotency-Key": key})
        except httpx.TransportError:
            if attempt == attempts:
                raise
            await asyncio.sleep(attempt)
            continue
        if reply.status_code < 500 or attempt == attempts:
            break
        await asyncio.sleep(attempt)
    if reply.status_code != 200:
        raise RuntimeError(f"import stopped at line {chunk[0]['line']}: {reply.status_code} {reply.text}")
    return reply
