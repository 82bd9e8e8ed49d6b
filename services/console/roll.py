"""Sổ ghi danh: the honor roll of the user's unit (revocations and why), and the nominations waiting for the
unit's decision, approved or rejected with a reason; a refusal of the eligibility gate is shown in words."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.console.client import Api, ApiError
from services.console.web import Csrf, CurrentUser, User, UserApi, draft_for, render
from services.console.wording import gate_reason

router = APIRouter()


async def roll_page(
    request: Request, user: User, api: Api, *, unit: str | None = None, status: int = 200, **context: Any
) -> Response:
    """The roll and the pending nominations; `context` carries a decision's outcome or refusal."""
    unit_id = unit or user.unit
    problems: dict[str, ApiError] = {}
    try:
        honors = (await api.get("honors", "/honors", unit_id=unit_id, include_revoked="true", limit=200))["items"]
    except ApiError as error:
        honors, problems["roll"] = [], error
        status = error.status if status == 200 else status
    try:
        waiting = await api.get("honors", "/nominations", status="pending", limit=200)
        nominations = [n for n in waiting["items"] if n["recording_unit_id"] == user.unit]
        sent = [n for n in waiting["items"] if n["proposing_unit_id"] == user.unit]
    except ApiError as error:
        nominations, sent, problems["nominations"] = [], [], error
    draft = draft_for(request)
    return render(
        request,
        "so_ghi_danh.html",
        status,
        unit_id=unit_id,
        honors=[h for h in honors if not h.get("revocation")],
        revoked=[h for h in honors if h.get("revocation")],
        nominations=nominations,
        sent=sent,
        problems=problems,
        draft=draft,
        **context,
    )


@router.get("/so-ghi-danh", include_in_schema=False)
async def roll(
    request: Request, user: CurrentUser, api: UserApi, unit: Annotated[str | None, Query(max_length=100)] = None
) -> Response:
    """The roll of the unit (or of a unit under it) and the nominations it must decide."""
    return await roll_page(request, user, api, unit=unit)


@router.post("/so-ghi-danh/de-nghi/{nomination_id}/chap-thuan", include_in_schema=False, dependencies=[Csrf])
async def approve(
    request: Request,
    nomination_id: str,
    user: CurrentUser,
    api: UserApi,
    approved_by: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> Response:
    """Approve a nomination: the honor is recorded (or the gate says why not)."""
    try:
        await api.post("honors", f"/nominations/{nomination_id}/approval", {"approved_by": approved_by}, key or None)
    except ApiError as error:
        return await refused(request, user, api, nomination_id, "approve", error, {"approved_by": approved_by})
    return RedirectResponse(f"/so-ghi-danh?xong=chap-thuan&de-nghi={nomination_id}", status_code=303)


@router.post("/so-ghi-danh/de-nghi/{nomination_id}/tu-choi", include_in_schema=False, dependencies=[Csrf])
async def reject(
    request: Request,
    nomination_id: str,
    user: CurrentUser,
    api: UserApi,
    reason: Annotated[str, Form()] = "",
    rejected_by: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> Response:
    """Reject a nomination, with the reason."""
    body = {"reason": reason, "rejected_by": rejected_by}
    try:
        await api.post("honors", f"/nominations/{nomination_id}/rejection", body, key or None)
    except ApiError as error:
        return await refused(request, user, api, nomination_id, "reject", error, body)
    return RedirectResponse(f"/so-ghi-danh?xong=tu-choi&de-nghi={nomination_id}", status_code=303)


async def refused(
    request: Request, user: User, api: Api, nomination_id: str, action: str, error: ApiError, typed: dict[str, str]
) -> Response:
    """The page again with the refusal beside the form's fields, what was typed kept, the gate's reasons."""
    fields = {name: "; ".join(error.for_field(name)) for name in typed if error.for_field(name)}
    reasons = [gate_reason(r) for r in error.problem.get("reasons", []) if isinstance(r, dict)]
    status = error.status if error.status in (401, 403, 404, 409) else 422
    return await roll_page(
        request,
        user,
        api,
        status=status,
        failed={"nomination_id": nomination_id, "action": action, "error": error, "fields": fields, "reasons": reasons},
        typed=typed,
    )
