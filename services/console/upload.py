"""Nhập dữ liệu: a workbook (commitments, a cell's session book, an honor roll) is uploaded, every bad row is
listed with its column and reason before anything is filed, then the good rows are filed through the service's
batch command (whose own refusals are listed the same way). The reading is neuguong.workbooks', the one
`neuguong import` uses."""

import hashlib
import tempfile
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeSerializer

from neuguong.wording import field_reason
from neuguong.workbooks import commitments, honors, sessions
from neuguong.workbooks.columns import Layout
from neuguong.workbooks.sheets import SUFFIXES, Unreadable, read_header, read_rows
from neuguong.workbooks.templates import template_bytes
from services.console.client import ApiError
from services.console.web import Csrf, CurrentUser, UserApi, render

router = APIRouter()
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
BATCH = 500  # what one batch command takes
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def commitment_body(row: dict[str, str]) -> dict:
    """A commitment's body with its year as a number (four digits; the service checks which years it takes)."""
    if not (row.get("year", "").isdigit() and len(row["year"]) == 4):
        raise ValueError(f"year: năm phải có 4 chữ số (đang là {row.get('year', '')!r})")
    return {**commitments.commitment_body(row), "year": int(row["year"])}


def honor_body(row: dict[str, str]) -> dict:
    """An entry's body without the fields left empty (the service fills them from the token)."""
    return {k: v for k, v in honors.honor_body(row).items() if v is not None}


@dataclass(frozen=True)
class Book:
    """A paper book the console takes: its workbook, how a row becomes a body, its natural key, where it goes."""

    slug: str
    title: str
    layout: Layout
    body: Callable[[dict[str, str]], dict[str, Any]]
    key: Callable[[dict[str, Any]], Hashable]
    duplicate: str
    service: str
    path: str


BOOKS = {
    book.slug: book
    for book in (
        Book(
            commitments.LAYOUT.name,
            "Cam kết nêu gương",
            commitments.LAYOUT,
            commitment_body,
            commitments.commitment_key,
            commitments.DUPLICATE[1],
            "commitments",
            "/commitments/batch",
        ),
        Book(
            sessions.LAYOUT.name,
            "Sổ sinh hoạt chi bộ",
            sessions.LAYOUT,
            sessions.session_body,
            sessions.session_key,
            sessions.DUPLICATE[1],
            "commitments",
            "/sessions/batch",
        ),
        Book(
            honors.LAYOUT.name,
            "Sổ ghi danh",
            honors.LAYOUT,
            honor_body,
            honors.honor_key,
            honors.DUPLICATE[1],
            "honors",
            "/honors/batch",
        ),
    )
}
COMMITMENTS = BOOKS[commitments.LAYOUT.name]


def check_rows(path: Path, book: Book = COMMITMENTS) -> tuple[list[dict], list[dict]]:
    """(good rows as filing bodies with their line, bad rows as line, column and reason) of a workbook."""
    layout = book.layout
    missing = layout.missing(read_header(path))
    if missing:
        return [], [{"line": 1, "column": c.label, "reason": "thiếu cột này trong dòng tiêu đề"} for c in missing]
    good: list[dict] = []
    bad: list[dict] = []
    seen: dict[Hashable, int] = {}
    for line, cells in read_rows(path):
        row = layout.fields(cells)
        empty = [c for c in layout.columns if c.required and not row.get(c.field)]
        if empty:
            bad += [{"line": line, "column": c.label, "reason": "bắt buộc, đang để trống"} for c in empty]
            continue
        try:
            body = book.body(row)
        except ValueError as error:
            where, _, reason = str(error).partition(": ")
            bad.append({"line": line, "column": layout.label(where), "reason": reason})
            continue
        first = seen.setdefault(book.key(body), line)
        if first != line:
            column = next(c.label for c in layout.columns if c.required)
            bad.append({"line": line, "column": column, "reason": book.duplicate.format(line=first)})
            continue
        good.append({"line": line, **body})
    return good, bad


def signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.console_session_secret, salt="console-upload")


def page(request: Request, status: int = 200, book: Book = COMMITMENTS, **context: Any) -> Response:
    return render(request, "nhap_du_lieu.html", status, books=BOOKS, book=book, layout=book.layout, **context)


@router.get("/nhap-du-lieu", include_in_schema=False)
async def upload_page(request: Request, user: CurrentUser, so: str = COMMITMENTS.slug) -> Response:
    """The upload form and the templates."""
    return page(request, book=BOOKS.get(so, COMMITMENTS))


@router.get("/nhap-du-lieu/mau/{name}.xlsx", include_in_schema=False)
async def template(name: str, user: CurrentUser) -> Response:
    """The blank workbook of an importer."""
    if name not in BOOKS:
        return Response("không có mẫu này", status_code=404)
    headers = {"Content-Disposition": f'attachment; filename="mau-{name}.xlsx"'}
    return Response(template_bytes(BOOKS[name].layout), media_type=XLSX, headers=headers)


@router.post("/nhap-du-lieu/kiem-tra", include_in_schema=False, dependencies=[Csrf])
async def check(
    request: Request,
    user: CurrentUser,
    workbook: Annotated[UploadFile, File()],
    so: Annotated[str, Form()] = COMMITMENTS.slug,
) -> Response:
    """Read the uploaded workbook and list every bad row; nothing is filed yet."""
    book = BOOKS.get(so)
    if book is None:
        return page(request, 422, errors={"so": "không có loại sổ này"})
    suffix = Path(workbook.filename or "").suffix.lower()
    content = await workbook.read(MAX_UPLOAD_BYTES + 1)
    errors = {}
    if not workbook.filename:
        errors["workbook"] = "chưa chọn tệp"
    elif suffix not in SUFFIXES:
        errors["workbook"] = "chỉ nhập được tệp .xlsx hoặc .csv" + ("; lưu lại thành .xlsx" if suffix == ".xls" else "")
    elif len(content) > MAX_UPLOAD_BYTES:
        errors["workbook"] = f"tệp lớn quá {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; chia thành nhiều tệp"
    if errors:
        return page(request, 422, book, errors=errors)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"tep{suffix}"
        path.write_bytes(content)
        try:
            good, bad = check_rows(path, book)
        except Unreadable as error:
            return page(
                request, 422, book, errors={"workbook": str(error).replace("tep" + suffix, workbook.filename or "")}
            )
    payload = signer(request).dumps(good) if good else ""
    return page(
        request,
        200,
        book,
        checked=True,
        filename=workbook.filename,
        good=good,
        bad=bad,
        payload=payload,
    )


@router.post("/nhap-du-lieu/nop", include_in_schema=False, dependencies=[Csrf])
async def file_rows(request: Request, user: CurrentUser, api: UserApi) -> Response:
    """File the good rows of a checked workbook; the service's answer for each row is listed. The form is read
    as the CSRF check read it (its `payload` may be larger than a form field usually is)."""
    form = await request.form()
    book = BOOKS.get(str(form.get("so") or COMMITMENTS.slug))
    try:
        good = signer(request).loads(str(form.get("payload") or ""))
    except BadSignature:
        good = None
    if book is None or good is None:
        return page(request, 422, errors={"workbook": "phiếu kiểm tra không hợp lệ; tải tệp lên lại"})
    created = existing = 0
    refused: list[dict] = []
    for start in range(0, len(good), BATCH):
        chunk = good[start : start + BATCH]
        key = "console-import-" + hashlib.sha256(repr((book.slug, chunk)).encode()).hexdigest()[:40]
        try:
            answer = await api.post(book.service, book.path, {"items": chunk}, key)
        except ApiError as error:
            note = f"đã nhập {created} dòng trước đó" if created else "chưa nhập dòng nào"
            return page(request, error.status, book, problem=error, note=note)
        for result in answer["results"]:
            if result["status"] == "created":
                created += 1
            elif result["status"] == "exists":
                existing += 1
            else:
                column = book.layout.label(str(result.get("field") or ""))
                reason = field_reason(str(result.get("field") or ""), str(result.get("reason") or ""))
                refused.append({"line": result.get("line"), "column": column, "reason": reason})
    return page(request, 200, book, filed=True, created=created, existing=existing, refused=refused)
