"""Việc cần làm: the compliance lists of the user's unit (members without a commitment, cells that missed their
regular or thematic session, units behind their honor-roll cadence), each exportable to XLSX."""

from dataclasses import dataclass
from io import BytesIO
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font

from neuguong.periods import today_local
from services.console.client import Api, ApiError
from services.console.web import CurrentUser, UserApi, render

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 50_000  # rows of one list in one workbook; the page shows the first hundred


@dataclass(frozen=True)
class ComplianceList:
    """One list: its path under /units/{unit}/compliance, the query it takes, its title and columns."""

    slug: str
    path: str
    query: str
    title: str
    columns: tuple[tuple[str, str], ...]


LISTS = (
    ComplianceList(
        "chua-cam-ket",
        "members-without-commitment",
        "year",
        "Đảng viên chưa đăng ký cam kết",
        (("full_name", "Họ và tên"), ("member_id", "Mã đảng viên"), ("cell_id", "Chi bộ")),
    ),
    ComplianceList(
        "thieu-sinh-hoat",
        "missing-regular-sessions",
        "month",
        "Chi bộ chưa sinh hoạt thường kỳ",
        (("name", "Chi bộ"), ("unit_id", "Mã")),
    ),
    ComplianceList(
        "thieu-chuyen-de",
        "missing-thematic-sessions",
        "quarter",
        "Chi bộ chưa sinh hoạt chuyên đề",
        (("name", "Chi bộ"), ("unit_id", "Mã")),
    ),
    ComplianceList(
        "thieu-ghi-danh",
        "missing-honor-roll",
        "period",
        "Đơn vị chưa ghi danh đúng kỳ",
        (("name", "Đơn vị"), ("unit_id", "Mã"), ("level", "Cấp")),
    ),
)
BY_SLUG = {item.slug: item for item in LISTS}


def default_when() -> dict[str, str]:
    """The periods the lists ask about by default: this year, last month (this one is not over), this quarter,
    last month's roll."""
    today = today_local()
    last = f"{today.year}-{today.month - 1:02d}" if today.month > 1 else f"{today.year - 1}-12"
    return {
        "year": str(today.year),
        "month": last,
        "quarter": f"{today.year}-Q{(today.month - 1) // 3 + 1}",
        "period": last,
    }


async def read_list(api: Api, unit: str, item: ComplianceList, when: str, limit: int) -> dict:
    """A list, page after page, up to `limit` rows."""
    items: list[dict] = []
    offset, total = 0, 0
    while True:
        page = await api.get(
            "projections",
            f"/units/{unit}/compliance/{item.path}",
            **{item.query: when},
            limit=min(1000, limit - len(items)),
            offset=offset,
        )
        items += page["items"]
        total = page["total"]
        if page["next"] is None or len(items) >= limit:
            return {"items": items, "total": total}
        offset = page["next"]


@router.get("/viec-can-lam", include_in_schema=False)
async def todo(
    request: Request,
    user: CurrentUser,
    api: UserApi,
    unit: Annotated[str | None, Query(max_length=100)] = None,
    year: Annotated[str | None, Query(max_length=10)] = None,
    month: Annotated[str | None, Query(max_length=10)] = None,
    quarter: Annotated[str | None, Query(max_length=10)] = None,
    period: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """Every compliance list of the unit, its first hundred rows and its total."""
    unit_id = unit or user.unit
    asked = {"year": year, "month": month, "quarter": quarter, "period": period}
    when = {k: (v or default_when()[k]).strip() for k, v in asked.items()}
    shown, errors, status = [], {}, 200
    for item in LISTS:
        try:
            found = await read_list(api, unit_id, item, when[item.query], 100)
        except ApiError as error:
            errors[item.query] = error
            status = error.status if error.status in (401, 403, 404) else 422
            found = None
        shown.append((item, found))
    return render(request, "viec_can_lam.html", status, unit_id=unit_id, when=when, shown=shown, errors=errors)


@router.get("/viec-can-lam/{slug}.xlsx", include_in_schema=False)
async def export(
    request: Request,
    slug: str,
    user: CurrentUser,
    api: UserApi,
    when: Annotated[str, Query(max_length=10)],
    unit: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """One whole list as an XLSX workbook (its header in Vietnamese)."""
    item = BY_SLUG.get(slug)
    unit_id = unit or user.unit
    if item is None:
        return render(request, "viec_can_lam.html", 404, unit_id=unit_id, when=default_when(), shown=[], errors={})
    try:
        found = await read_list(api, unit_id, item, when.strip(), EXPORT_LIMIT)
    except ApiError as error:
        status = error.status if error.status in (401, 403, 404) else 422
        return render(
            request,
            "viec_can_lam.html",
            status,
            unit_id=unit_id,
            when=default_when(),
            shown=[],
            errors={item.query: error},
        )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = item.title[:31]
    sheet.append([label for _, label in item.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in found["items"]:
        sheet.append([row.get(key, "") for key, _ in item.columns])
    buffer = BytesIO()
    workbook.save(buffer)
    filename = f"{slug}-{unit_id}-{when}.xlsx"
    return Response(
        buffer.getvalue(), media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
