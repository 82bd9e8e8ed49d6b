"""HTTP pieces every service shares: the edge, the bearer token, the pool, clock and settings, commands."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import asyncpg
from fastapi import Depends, FastAPI, Header, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import Scope

from neuguong.runtime import idempotency
from neuguong.runtime.auth import Principal, Unauthenticated
from neuguong.runtime.clock import Clock
from neuguong.runtime.commands import Answer, CommandBus
from neuguong.runtime.edge import BodyLimit, EdgeMiddleware, OperationsPortGuard, redirect_slashes_relatively
from neuguong.runtime.input import Command
from neuguong.runtime.observe import RequestObserver
from neuguong.runtime.outbox import EventMeta
from neuguong.runtime.settings import Settings

if TYPE_CHECKING:
    from neuguong.runtime.service import Runtime


def install_middlewares(app: FastAPI, settings: Settings) -> None:
    """The edge of the service (runtime.edge): body limit, operations port, request timing and access log
    (runtime.observe), correlation ids, security headers; trailing-slash redirects that name no host."""

    def count_failure(scope: Scope) -> None:
        runtime = getattr(scope["app"].state, "runtime", None)
        if runtime is not None:
            runtime.metrics.system_errors.labels(settings.service).inc()

    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(OperationsPortGuard, operations_port=settings.operations_port)
    app.add_middleware(RequestObserver, service=settings.service)
    app.add_middleware(EdgeMiddleware, on_failure=count_failure)  # added last: outermost
    redirect_slashes_relatively(app)


async def get_pool(request: Request) -> asyncpg.Pool:
    """The service's database pool."""
    return request.app.state.runtime.pool


async def get_clock(request: Request) -> Clock:
    """The service's clock (the wall clock, or the one a test gave the service)."""
    return request.app.state.runtime.clock


BEARER = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="A token of the identity provider (`neuguong token` in development): sub, role, unit",
    auto_error=False,
)
"""The one security scheme of every service (so /docs -> Authorize takes a token); the verifier reads the
header itself, to say precisely what is wrong with it."""


async def current_principal(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None
) -> Principal:
    """The verified subject of the bearer token (401 when missing or invalid)."""
    verifier = request.app.state.runtime.verifier
    if verifier is None:
        raise Unauthenticated("authorization: this service has no token verifier configured")
    return verifier.verify(request.headers.get("authorization"))


async def get_settings(request: Request) -> Settings:
    """The service's settings (public links start with `public_url`)."""
    return request.app.state.runtime.settings


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
ServiceSettings = Annotated[Settings, Depends(get_settings)]
Pool = Annotated[asyncpg.Pool, Depends(get_pool)]
CurrentClock = Annotated[Clock, Depends(get_clock)]
IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", min_length=8, max_length=200, pattern=r"^[\x21-\x7e]+$")
]


@dataclass(frozen=True)
class CommandRunner:
    """Runs one request's command through the service's command table, idempotently."""

    runtime: "Runtime"
    principal: Principal
    key: str

    async def run(self, command: Command) -> JSONResponse:
        """The command through `transact`, or with others of its kind through the service's groups (a grouped
        command: runtime.grouping), answered as JSON (a replay says so in a header)."""
        runtime = self.runtime
        if type(command) in runtime.commands.groups:
            answer, replayed = await runtime.groups.run(self.principal, self.key, command)
        else:
            answer, replayed = await transact(
                runtime.pool, runtime.commands, runtime.settings, runtime.clock, self.principal, self.key, command
            )
        runtime.metrics.commands.labels(runtime.settings.service, type(command).__name__, str(answer.status)).inc()
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return JSONResponse(answer.body, status_code=answer.status, headers=headers)


async def transact(
    pool: asyncpg.Pool,
    commands: CommandBus,
    settings: Settings,
    clock: Clock,
    principal: Principal,
    key: str,
    command: Command,
) -> tuple[Answer, bool]:
    """One transaction: the handler's writes, its events and the idempotency record; a repeated key replays the
    first answer and writes nothing. The answer, and whether it was replayed."""
    meta = EventMeta.commanded(settings, principal.sub)
    fingerprint = idempotency.fingerprint(command)
    async with pool.acquire() as conn, conn.transaction():
        answer = await idempotency.recall(conn, principal.sub, key, fingerprint)
        if answer is not None:
            return answer, True
        answer = await commands.handle(conn, command, principal, clock, meta)
        await idempotency.remember(conn, principal.sub, key, fingerprint, answer)
    return answer, False


async def command_runner(request: Request, principal: CurrentPrincipal, key: IdempotencyKey) -> CommandRunner:
    """The request's command runner (its token and Idempotency-Key)."""
    return CommandRunner(request.app.state.runtime, principal, key)


Commands = Annotated[CommandRunner, Depends(command_runner)]
"""A route's way to its service's command table: `return await commands.run(SomeCommand(...))`."""
