"""Nhập dữ liệu: a workbook of commitments is uploaded, every bad row is listed with its column and reason
before anything is filed, then the good rows are filed through the service's batch command (whose own
refusals are listed the same way). The reading is neuguong.workbooks', the one `neuguong import` uses."""

import hashlib
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeSerializer

from neuguong.workbooks import commitments
from neuguong.workbooks.sheets import SUFFIXES, Unreadable, read_header, read_rows
from neuguong.workbooks.templates import template_bytes
from services.console.client import ApiError
from services.console.web import Csrf, CurrentUser, UserApi, render

router = APIRouter()
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
BATCH = 500  # what one batch command takes
LAYOUT = commitments.LAYOUT
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def check_rows(path: Path) -> tuple[list[dict], list[dict]]:
    """(good rows as filing bodies with their line, bad rows as line, column and reason) of a workbook."""
    missing = LAYOUT.missing(read_header(path))
    if missing:
        return [], [{"line": 1, "column": c.label, "reason": "thiếu cột này trong dòng tiêu đề"} for c in missing]
    good, bad, seen = [], [], {}
    for line, cells in read_rows(path):
        row = LAYOUT.fields(cells)
        empty = [c for c in LAYOUT.columns if c.required and not row.get(c.field)]
        if empty:
            bad += [{"line": line, "column": c.label, "reason": "bắt buộc, đang để trống"} for c in empty]
            continue
        if not row["year"].isdigit() or len(row["year"]) != 4:
            bad.append(
                {
                    "line": line,
                    "column": LAYOUT.label("year"),
                    "reason": f"năm phải có 4 chữ số (đang là {row['year']!r})",
                }
            )
            continue
        try:
            body = commitments.commitment_body(row)
        except ValueError as error:
            where, _, reason = str(error).partition(": ")
            bad.append({"line": line, "column": LAYOUT.label(where), "reason": in_words(reason)})
            continue
        key = (body["member_id"], body["year"])
        if key in seen:
            bad.append(
                {
                    "line": line,
                    "column": LAYOUT.label("member_id"),
                    "reason": f"trùng đảng viên và năm với dòng {seen[key]}",
                }
            )
            continue
        seen[key] = line
        good.append({"line": line, **body, "year": int(body["year"])})
    return good, bad


def in_words(reason: str) -> str:
    """The workbook reader's reasons, in Vietnamese."""
    if reason.startswith("write each item as"):
        return "mỗi việc viết 'nội dung | hạn', ví dụ 'Tham gia đủ sinh hoạt chi bộ | 31/12/2026' " + reason[18:]
    if "is not a date" in reason:
        return "hạn không phải một ngày (ngày/tháng/năm): " + reason
    return reason


def signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.console_session_secret, salt="console-upload")


@router.get("/nhap-du-lieu", include_in_schema=False)
async def upload_page(request: Request, user: CurrentUser) -> Response:
    """The upload form and the templates."""
    return render(request, "nhap_du_lieu.html", layout=LAYOUT)


@router.get("/nhap-du-lieu/mau/{name}.xlsx", include_in_schema=False)
async def template(name: str, user: CurrentUser) -> Response:
    """The blank workbook of an importer."""
    if name != LAYOUT.name:
        return Response("không có mẫu này", status_code=404)
    headers = {"Content-Disposition": f'attachment; filename="mau-{name}.xlsx"'}
    return Response(template_bytes(LAYOUT), media_type=XLSX, headers=headers)


@router.post("/nhap-du-lieu/kiem-tra", include_in_schema=False, dependencies=[Csrf])
async def check(request: Request, user: CurrentUser, workbook: Annotated[UploadFile, File()]) -> Response:
    """Read the uploaded workbook and list every bad row; nothing is filed yet."""
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
        return render(request, "nhap_du_lieu.html", 422, layout=LAYOUT, errors=errors)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"tep{suffix}"
        path.write_bytes(content)
        try:
            good, bad = check_rows(path)
        except Unreadable as error:
            return render(
                request,
                "nhap_du_lieu.html",
                422,
                layout=LAYOUT,
                errors={"workbook": str(error).replace("tep" + suffix, workbook.filename)},
            )
    payload = signer(request).dumps(good) if good else ""
    return render(
        request,
        "nhap_du_lieu.html",
        layout=LAYOUT,
        checked=True,
        filename=workbook.filename,
        good=good,
        bad=bad,
        payload=payload,
    )


@router.post("/nhap-du-lieu/nop", include_in_schema=False, dependencies=[Csrf])
async def file_rows(
    request: Request, user: CurrentUser, api: UserApi, payload: Annotated[str, Form()] = ""
) -> Response:
    """File the good rows of a checked workbook; the service's answer for each row is listed."""
    try:
        good = signer(request).loads(payload)
    except BadSignature:
        return render(
            request,
            "nhap_du_lieu.html",
            422,
            layout=LAYOUT,
            errors={"workbook": "phiếu kiểm tra không hợp lệ; tải tệp lên lại"},
        )
    created = existing = 0
    refused: list[dict] = []
    for start in range(0, len(good), BATCH):
        chunk = good[start : start + BATCH]
        key = "console-import-" + hashlib.sha256(repr(chunk).encode()).hexdigest()[:40]
        try:
            answer = await api.post("commitments", "/commitments/batch", {"items": chunk}, key)
        except ApiError as error:
            note = f"đã nhập {created} dòng trước đó" if created else "chưa nhập dòng nào"
            return render(request, "nhap_du_lieu.html", error.status, layout=LAYOUT, problem=error, note=note)
        for result in answer["results"]:
            if result["status"] == "created":
                created += 1
            elif result["status"] == "exists":
                existing += 1
            else:
                column = LAYOUT.label(str(result.get("field") or ""))
                refused.append({"line": result.get("line"), "column": column, "reason": result.get("reason", "")})
    return render(
        request, "nhap_du_lieu.html", layout=LAYOUT, filed=True, created=created, existing=existing, refused=refused
    )
