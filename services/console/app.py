"""Wiring of services/console. Unlike the other services it has no database schema, no migrations, no broker
and no outbox: it owns no business data. It opens one HTTP client to the services' public APIs, verifies the
users' tokens as they do, and keeps each user's session in a signed cookie (HttpOnly, SameSite=Lax, Secure
behind https)."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from starlette.middleware.sessions import SessionMiddleware

from neuguong.runtime.edge import OperationsPortGuard, redirect_slashes_relatively
from neuguong.runtime.logs import configure_logging
from services.console import overview, report, roll, signin, todo, upload
from services.console.client import TokenRefused
from services.console.metrics import ConsoleMetrics, install_metrics
from services.console.settings import ConsoleSettings
from services.console.web import CsrfRefused, SignInRequired, render, session_ended, sign_in_url

NAME = "console"
ROUTERS = (signin.router, overview.router, todo.router, roll.router, upload.router, report.router)


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    """The console's ASGI app; its HTTP client opens in the lifespan, never at import time."""
    settings = settings or ConsoleSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(NAME, "INFO")
        async with httpx.AsyncClient(timeout=settings.console_api_timeout_seconds) as http:
            app.state.http = http
            yield

    app = FastAPI(
        title="Nêu Gương — bảng điều hành", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = settings
    app.state.metrics = ConsoleMetrics(CollectorRegistry())
    app.state.verifier = signin.verifier_of(settings)
    app.state.oauth = signin.identity_provider(settings)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.console_session_secret,
        session_cookie="ng_console",
        max_age=settings.console_session_seconds,
        same_site="lax",
        https_only=settings.secure_cookie,
    )
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for router in ROUTERS:
        app.include_router(router)
    install_answers(app)
    # Inside the metrics middleware, as in the services: what the guard refuses is counted too.
    app.add_middleware(OperationsPortGuard, operations_port=settings.operations_port)
    install_metrics(app, app.state.metrics)
    redirect_slashes_relatively(app)
    return app


def install_answers(app: FastAPI) -> None:
    """Health for deploy/local, sign-in redirects, CSRF refusals and pages that are not there."""

    @app.get("/healthz", include_in_schema=False)
    @app.get("/readyz", include_in_schema=False)
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "service": NAME})

    @app.exception_handler(SignInRequired)
    async def on_sign_in_required(request: Request, error: SignInRequired) -> Response:
        return RedirectResponse(sign_in_url(error.next_path), status_code=303)

    @app.exception_handler(TokenRefused)
    async def on_token_refused(request: Request, error: TokenRefused) -> Response:
        ended = await session_ended(request)
        return RedirectResponse(sign_in_url(ended.next_path), status_code=303)

    @app.exception_handler(CsrfRefused)
    async def on_csrf_refused(request: Request, error: CsrfRefused) -> Response:
        message = (
            "Biểu mẫu này đã cũ hoặc không gửi từ bảng điều hành (thiếu mã chống giả mạo). Tải lại trang rồi gửi lại."
        )
        return render(request, "loi_trang.html", 403, title="Không nhận biểu mẫu", message=message)

    @app.exception_handler(404)
    async def on_not_found(request: Request, error: Exception) -> Response:
        return render(request, "loi_trang.html", 404, title="Không có trang này", message="Đường dẫn không đúng.")
