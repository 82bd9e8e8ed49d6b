"""Tổng quan: a unit's figures for a period or span, each child beside it (a sortable table and a bar chart),
the month-by-month trend of its last year (a line chart), shares in per cent; a child's name drills down."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from neuguong.numbers import share, vi_percent
from neuguong.periods import today_local
from services.console.charts import bar_chart, line_chart
from services.console.client import ApiError
from services.console.web import CurrentUser, UserApi, render

router = APIRouter()
HEADLINE = (
    "members",
    "owing_members",
    "commitments_filed",
    "self_reflections",
    "sessions_regular",
    "sessions_thematic",
    "honors",
    "inspections_opened",
)
SHARES = {
    "filed": "Đảng viên đã đăng ký cam kết",
    "self_reviewed": "Đảng viên đã tự soi, tự sửa",
    "cells_every_regular": "Chi bộ sinh hoạt thường kỳ đủ",
    "attendance": "Lượt dự sinh hoạt",
}
TREND = {
    "sessions_regular": "Buổi sinh hoạt thường kỳ",
    "self_reflections": "Lượt tự soi, tự sửa",
    "honors": "Ghi danh",
}
"""What moves month by month (a commitment is filed once a year and counts in the year, not in its month)."""


def default_period() -> str:
    """This year, as the figures are asked for most often."""
    return str(today_local().year)


def trend_months(span: str) -> list[str]:
    """The months of the span's last year up to this month (the trend's points)."""
    last_year = span.split("..")[-1][:4]
    today = today_local()
    end = 12 if int(last_year) < today.year else today.month
    return [f"{last_year}-{m:02d}" for m in range(1, max(1, end) + 1)]


def child_rows(children: list[dict]) -> list[dict]:
    """Each child with the figures its row shows and its share of members who filed."""
    rows = []
    for child in children:
        f = child["figures"]
        part, whole = f.get("member_years_filed", 0), f.get("owing_member_years", 0)
        value = share(part, whole)
        rows.append(
            {**child, "filed_share": float(value) if value is not None else 0.0, "filed_text": vi_percent(part, whole)}
        )
    return rows


@router.get("/", include_in_schema=False)
@router.get("/tong-quan", include_in_schema=False)
async def overview(
    request: Request,
    user: CurrentUser,
    api: UserApi,
    unit: Annotated[str | None, Query(max_length=100)] = None,
    period: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The dashboard of the user's unit (or a unit under it) for a period or span."""
    unit_id, span = unit or user.unit, (period or default_period()).strip()
    try:
        figures = await api.get("projections", f"/units/{unit_id}/figures", period=span)
    except ApiError as error:
        status = error.status if error.status in (401, 403, 404) else 422
        return render(request, "tong_quan.html", status, unit_id=unit_id, period=span, error=error)
    months = trend_months(span)
    monthly = await asyncio.gather(
        *(api.get("projections", f"/units/{unit_id}/figures", period=m) for m in months), return_exceptions=True
    )
    trend = {
        name: [m["figures"].get(key, 0) if isinstance(m, dict) else 0 for m in monthly] for key, name in TREND.items()
    }
    labels = [f"T{int(m[5:])}" for m in months]
    rows = child_rows(figures["children"])
    bars = bar_chart(
        "bieu-do-don-vi",
        f"Tỉ lệ đảng viên đã đăng ký cam kết theo đơn vị trực thuộc, {span}",
        "; ".join(f"{r['name']}: {r['filed_text']}" for r in rows) or "không có đơn vị trực thuộc",
        [(r["name"], r["filed_share"], r["filed_text"]) for r in rows],
    )
    lines = line_chart(
        "bieu-do-xu-huong",
        f"Diễn biến theo tháng năm {months[0][:4]}",
        "; ".join(
            f"{name}: " + ", ".join(f"{lab} {v}" for lab, v in zip(labels, values, strict=True))
            for name, values in trend.items()
        ),
        labels,
        trend,
    )
    return render(
        request,
        "tong_quan.html",
        unit_id=unit_id,
        period=span,
        figures=figures,
        headline=HEADLINE,
        shares=SHARES,
        rows=rows,
        bars=bars,
        lines=lines,
        trend=trend,
        labels=labels,
        months=months,
    )
