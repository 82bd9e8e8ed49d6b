"""What every page of the console shares: the signed-in user from the session cookie, the per-session CSRF
token every form carries, the API client with the user's token, and rendering a template."""

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import httpx
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from neuguong.labels import FIGURE_LABELS, period_label
from neuguong.numbers import vi_number
from services.console.client import Api
from services.console.settings import ConsoleSettings
from services.console.wording import LEVELS, NOMINATION_STATUSES, ROLES

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.filters["so"] = lambda value: vi_number(int(value or 0))
TEMPLATES.env.filters["ky"] = lambda value: period_label(str(value)) if value else ""
TEMPLATES.env.globals.update(FIGURE_LABELS=FIGURE_LABELS, LEVELS=LEVELS, ROLES=ROLES, STATUSES=NOMINATION_STATUSES)


@dataclass(frozen=True)
class User:
    """Who is signed in: the token's subject, role and unit, and when the token ends."""

    sub: str
    role: str
    unit: str
    expires: float
    token: str


class SignInRequired(Exception):
    """No session, or one whose token has ended: back to the sign-in page, then to `next`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(Exception):
    """A POST without this session's CSRF token (403)."""


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


FORM_PART_BYTES = 16 * 1024 * 1024
"""The largest text field of a form: a checked workbook's good rows travel back in one (signed, compressed)."""
DRAFT_BYTES = 2000
"""What a session keeps of a form sent after it ended: the cookie must stay under the browsers' 4 KB."""


async def check_csrf(request: Request) -> None:
    """Every POST carries the session's CSRF token in its `csrf` field (403 otherwise)."""
    form = await request.form(max_part_size=FORM_PART_BYTES)
    sent = form.get("csrf")
    expected = request.session.get("csrf")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
        raise CsrfRefused()


async def current_user(request: Request) -> User:
    """The signed-in user; SignInRequired when there is none or the token has ended."""
    user = request.session.get("user")
    if user and user["expires"] > time.time():
        return User(**user)
    raise await session_ended(request)


async def session_ended(request: Request) -> SignInRequired:
    """End the session and say where to return after signing in again. A form sent after its session ended is
    kept (its text fields, without the CSRF token) so that its page can offer it again."""
    request.session.pop("user", None)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method == "POST":
        form = await request.form()
        kept = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf", "back", "payload")}
        kept["_action"] = request.url.path  # which form on the page it was
        path = safe_next(str(form.get("back") or ""), request.url.path)
        if len(json.dumps(kept)) <= DRAFT_BYTES:
            request.session["draft"] = {"path": urlsplit(path).path, "fields": kept}
    return SignInRequired(path)


def safe_next(path: str, default: str = "/") -> str:
    """A path on this console to return to (never another site: no scheme, no host, no //)."""
    parts = urlsplit(path)
    if not path.startswith("/") or path.startswith("//") or parts.scheme or parts.netloc or "\\" in path:
        return default
    return path


def draft_for(request: Request) -> dict[str, str]:
    """What the user had typed on this page before the session ended, once."""
    draft = request.session.get("draft")
    if draft and draft.get("path") == request.url.path:
        request.session.pop("draft", None)
        return dict(draft["fields"])
    return {}


async def api(request: Request, user: Annotated[User, Depends(current_user)]) -> Api:
    """The user's API client."""
    http: httpx.AsyncClient = request.app.state.http
    return Api(http, request.app.state.settings, user.token, request.app.state.metrics)


CurrentUser = Annotated[User, Depends(current_user)]
UserApi = Annotated[Api, Depends(api)]
Csrf = Depends(check_csrf)


def settings_of(request: Request) -> ConsoleSettings:
    return request.app.state.settings


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """A page: the template with the user, the CSRF token and the navigation."""
    user = request.session.get("user")
    context = {"user": user, "csrf": csrf_token(request), "path": request.url.path, **context}
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)


def sign_in_url(next_path: str) -> str:
    """The sign-in page that returns to `next_path` afterwards."""
    return f"/dang-nhap?next={quote(next_path, safe='')}"
