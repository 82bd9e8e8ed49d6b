"""Báo cáo: the narrative report of a unit for a period or span, and its XLSX, both as the projections serve
them (the workbook is passed through with the user's token)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.console.client import ApiError
from services.console.overview import default_period
from services.console.web import CurrentUser, UserApi, render

router = APIRouter()


@router.get("/bao-cao", include_in_schema=False)
async def report(
    request: Request,
    user: CurrentUser,
    api: UserApi,
    unit: Annotated[str | None, Query(max_length=100)] = None,
    period: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The narrative, paragraph by paragraph, and the link to its workbook."""
    unit_id, span = unit or user.unit, (period or default_period()).strip()
    try:
        found = await api.get("projections", f"/units/{unit_id}/report", period=span)
    except ApiError as error:
        status = error.status if error.status in (401, 403, 404) else 422
        return render(request, "bao_cao.html", status, unit_id=unit_id, period=span, error=error)
    paragraphs = [p.strip() for p in found["narrative"].split("\n") if p.strip()]
    return render(request, "bao_cao.html", unit_id=unit_id, period=span, report=found, paragraphs=paragraphs)


@router.get("/bao-cao.xlsx", include_in_schema=False)
async def report_workbook(
    request: Request,
    user: CurrentUser,
    api: UserApi,
    period: Annotated[str, Query(max_length=40)],
    unit: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The report's workbook, as the projections made it."""
    unit_id = unit or user.unit
    try:
        reply = await api.download("projections", f"/units/{unit_id}/report.xlsx", period=period.strip())
    except ApiError as error:
        status = error.status if error.status in (401, 403, 404) else 422
        return render(request, "bao_cao.html", status, unit_id=unit_id, period=period, error=error)
    headers = {"Content-Disposition": reply.headers.get("content-disposition", "attachment")}
    return Response(reply.content, media_type=reply.headers.get("content-type"), headers=headers)
