"""The HTTP client deliveries go out on: each connection resolves its host once, checks every address
(targets.py) and connects to a checked one, while the Host header and the TLS server name stay the URL's.

httpcore's network backend is where a connection's host becomes a socket, so the check lives there:
a name that answers public to one lookup and private to the next (DNS rebinding) cannot slip between a
check and the connect, and a pooled connection is keyed by the URL's host, never shared across names."""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from neuguong.runtime.errors import Refusal
from services.notifications import targets
from services.notifications.settings import DeliverySettings

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""(host, port) -> the addresses it resolves to; raises OSError when it does not."""

REGISTRATION_LOOKUP_SECONDS = 2.0
"""How long a channel's registration waits for DNS; a name that does not answer is checked at each send."""


async def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses, as the operating system resolves them, in its order, once each."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class RefusedTarget(httpcore.ConnectError):
    """A connection refused before it was opened: the host is or resolves to an address channels may not reach."""


@dataclass(frozen=True)
class TargetGuard:
    """The networks channels may reach beyond the public internet, and how names are resolved."""

    allowed: tuple[targets.Network, ...]
    resolve: Resolver = system_resolver

    @classmethod
    def of(cls, settings: DeliverySettings, environment: str, resolve: Resolver | None = None) -> "TargetGuard":
        """The configured allow-list, or the environment's default (targets.default_networks)."""
        allowed = settings.allowed_networks
        return cls(
            tuple(targets.default_networks(environment) if allowed is None else allowed),
            resolve or system_resolver,
        )

    async def addresses(self, host: str, port: int) -> list[targets.Address]:
        """The host's addresses, every one checked; RefusedTarget when any is refused."""
        literal = targets.ip_literal(host)
        if literal is not None:
            found, reason = [literal], targets.host_refusal(host, self.allowed)
        else:
            found = await self._lookup(host, port)
            reason = targets.resolved_refusal(host, found, self.allowed)
        if reason is not None:
            raise RefusedTarget(f"refused: {reason}")
        return found

    async def _lookup(self, host: str, port: int) -> list[targets.Address]:
        try:
            found = [ipaddress.ip_address(address) for address in await self.resolve(host, port)]
        except (OSError, ValueError) as error:
            raise httpcore.ConnectError(f"{host} does not resolve: {error}") from error
        if not found:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        return found

    async def url_refusal(self, url: httpx.URL | str) -> Refusal:
        """Why a channel's URL is refused as it is registered or changed; a name that does not resolve
        (yet) passes, since every attempt checks it again."""
        url = httpx.URL(str(url))
        reason = targets.host_refusal(url.host, self.allowed)
        if reason is None and targets.ip_literal(url.host) is None:
            port = url.port or (443 if url.scheme == "https" else 80)
            try:
                async with asyncio.timeout(REGISTRATION_LOOKUP_SECONDS):
                    found = await self._lookup(url.host, port)
            except (httpcore.ConnectError, TimeoutError):
                return None
            reason = targets.resolved_refusal(url.host, found, self.allowed)
        return None if reason is None else ("url", reason)


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the guard checked."""

    def __init__(self, guard: TargetGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard, self.inner = guard, inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve once, check, then try the checked addresses in order."""
        failure: Exception = httpcore.ConnectError(f"{host} resolves to no address")
        for address in await self.guard.addresses(host, port):
            try:
                return await self.inner.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Channels are URLs: never a local socket."""
        raise RefusedTarget("refused: a channel never reaches a unix socket")

    async def sleep(self, seconds: float) -> None:
        """As the wrapped backend sleeps."""
        await self.inner.sleep(seconds)


class CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a pool whose connections go through CheckedBackend.

    httpx takes no network backend, so the pool it builds is replaced by one with the same limits and ours.
    TLS verifies the URL's host name (httpcore's server_hostname is the URL's host, not the address)."""

    def __init__(
        self, guard: TargetGuard, limits: httpx.Limits, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        super().__init__(limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedBackend(guard, inner),
        )


def delivery_client(guard: TargetGuard, limits: httpx.Limits) -> httpx.AsyncClient:
    """The client of the delivery worker: checked connections, no redirects followed, no proxy or netrc
    from the environment (a proxy would connect where the check never looked)."""
    return httpx.AsyncClient(transport=CheckedTransport(guard, limits), follow_redirects=False, trust_env=False)
