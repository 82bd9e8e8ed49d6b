"""Signing in and out. With an identity provider configured (NG_CONSOLE_OIDC_ISSUER and its client), OpenID Connect's
authorization code flow with PKCE (authlib) and the provider's access token; for local use, a token issued by
`neuguong token`. Either token is verified as the services verify it, and its role and unit are the user's."""

import logging
from datetime import timedelta
from typing import Annotated

import jwt
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from neuguong.runtime.auth import TokenVerifier, Unauthenticated
from services.console.settings import ConsoleSettings
from services.console.web import Csrf, render, safe_next

log = logging.getLogger(__name__)
router = APIRouter()


def verifier_of(settings: ConsoleSettings) -> TokenVerifier | None:
    """The verifier of the services' tokens (None when no key is configured: no one can sign in)."""
    if settings.jwt_public_key_file is None:
        return None
    lifetime = timedelta(seconds=settings.jwt_max_lifetime_seconds)
    return TokenVerifier.from_file(settings.jwt_public_key_file, settings.jwt_issuer, settings.jwt_audience, lifetime)


def identity_provider(settings: ConsoleSettings) -> OAuth | None:
    """The OpenID Connect client, when an identity provider is configured."""
    if not settings.console_oidc_issuer:
        return None
    oauth = OAuth()
    oauth.register(
        "idp",
        server_metadata_url=f"{settings.console_oidc_issuer.rstrip('/')}/.well-known/openid-configuration",
        client_id=settings.console_oidc_client_id,
        client_secret=settings.console_oidc_client_secret or None,
        client_kwargs={"scope": settings.console_oidc_scope, "code_challenge_method": "S256"},
    )
    return oauth


def start_session(request: Request, token: str) -> None:
    """Verify the token as the services do and keep it in a fresh session (a new CSRF token too)."""
    verifier: TokenVerifier | None = request.app.state.verifier
    if verifier is None:
        raise Unauthenticated("token: the console has no key to verify tokens (NG_JWT_PUBLIC_KEY_FILE)")
    principal = verifier.verify(f"Bearer {token}")
    # The signature and claims were verified just above; only `exp` is read again.
    expires = float(jwt.decode(token, options={"verify_signature": False})["exp"])
    draft = request.session.get("draft")  # what was typed when the last session ended, offered again
    request.session.clear()
    if draft:
        request.session["draft"] = draft
    request.session["user"] = {
        "sub": principal.sub,
        "role": principal.role,
        "unit": principal.unit,
        "expires": expires,
        "token": token,
    }


@router.get("/dang-nhap", include_in_schema=False)
async def sign_in_page(request: Request, next: str = "/") -> Response:
    """The sign-in page: the identity provider's button when there is one, the token form for local use."""
    return render(request, "dang_nhap.html", next=safe_next(next), oidc=request.app.state.oauth is not None)


@router.post("/dang-nhap", include_in_schema=False, dependencies=[Csrf])
async def sign_in(request: Request, token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    """Sign in with a token issued by `neuguong token`."""
    target = safe_next(next)
    try:
        start_session(request, token.strip())
    except Unauthenticated as error:
        reason = "chưa nhập token" if not token.strip() else "token không hợp lệ hoặc đã hết hạn"
        log.info("console sign-in refused", extra={"reason": str(error)})
        errors = {"token": f"{reason} — tạo token mới bằng lệnh `neuguong token`"}
        page = render(request, "dang_nhap.html", 401, next=target, errors=errors, oidc=request.app.state.oauth)
        return page
    return RedirectResponse(target, status_code=303)


@router.get("/dang-nhap/oidc", include_in_schema=False)
async def sign_in_with_provider(request: Request, next: str = "/") -> Response:
    """Off to the identity provider (authorization code with PKCE; state and verifier in the session)."""
    oauth: OAuth | None = request.app.state.oauth
    if oauth is None:
        return RedirectResponse("/dang-nhap", status_code=303)
    request.session["next"] = safe_next(next)
    return await oauth.idp.authorize_redirect(request, callback_url(request))


def callback_url(request: Request) -> str:
    """Where the identity provider sends the user back: from NG_PUBLIC_BASE_URL (required in production),
    never from the request's Host header; only a development console without it names its own address."""
    base = request.app.state.settings.public_base_url
    if base:
        return f"{base}{request.app.url_path_for('sign_in_callback')}"
    return str(request.url_for("sign_in_callback"))


@router.get("/dang-nhap/oidc/callback", name="sign_in_callback", include_in_schema=False)
async def sign_in_callback(request: Request) -> Response:
    """Back from the identity provider: exchange the code, verify the access token, start the session."""
    oauth: OAuth | None = request.app.state.oauth
    target = safe_next(request.session.get("next", "/"))
    try:
        if oauth is None:
            raise OAuthError(description="no identity provider")
        answer = await oauth.idp.authorize_access_token(request)
        start_session(request, answer["access_token"])
    except (OAuthError, Unauthenticated, KeyError) as error:
        log.info("console sign-in through the identity provider refused", extra={"reason": str(error)})
        errors = {"oidc": "nhà cung cấp định danh không xác nhận được việc đăng nhập; xin thử lại"}
        return render(request, "dang_nhap.html", 401, next=target, errors=errors, oidc=oauth is not None)
    return RedirectResponse(target, status_code=303)


@router.post("/dang-xuat", include_in_schema=False, dependencies=[Csrf])
async def sign_out(request: Request) -> Response:
    """Sign out: the session is cleared (the cookie is emptied)."""
    request.session.clear()
    return RedirectResponse("/dang-nhap", status_code=303)
