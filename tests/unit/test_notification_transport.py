"""The delivery client resolves a channel's host once per connection, checks every address and connects to a
checked one, while the Host header and the TLS server name stay the URL's; a name that resolves to a private
address (DNS rebinding included) is refused before any socket opens. No network: the sockets are fakes."""

import httpcore
import httpx
import pytest

from services.notifications.sender import attempt
from services.notifications.targets import LOOPBACK
from services.notifications.transport import CheckedTransport, RefusedTarget, TargetGuard

ANSWER = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"


class Socket(httpcore.AsyncNetworkStream):
    """What the client wrote, and the name TLS was started for."""

    def __init__(self, log: dict) -> None:
        self.log, self.answer = log, ANSWER

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        answer, self.answer = self.answer, b""
        return answer

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.log["sent"] = self.log.get("sent", b"") + buffer

    async def aclose(self) -> None:
        pass

    async def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> "Socket":
        self.log["server_hostname"] = server_hostname
        return self


class Network(httpcore.AsyncNetworkBackend):
    """Sockets to wherever they are asked for, noted down."""

    def __init__(self) -> None:
        self.log: dict = {}

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None) -> Socket:
        self.log.setdefault("connected", []).append((host, port))
        return Socket(self.log)


class Rebinding:
    """DNS that answers public first and the metadata address after (a short TTL is all it takes)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers, self.asked = list(answers), []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def client(guard: TargetGuard, network: Network) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=CheckedTransport(guard, httpx.Limits(), network), follow_redirects=False)


async def test_the_checked_address_is_the_one_connected_and_the_url_keeps_its_name():
    dns, network = Rebinding(["93.184.215.14"], ["169.254.169.254"]), Network()
    async with client(TargetGuard((), dns), network) as http:
        reply = await http.post("https://congthongtin.example.vn/hook", content=b"{}")
    assert reply.status_code == 204
    assert dns.asked == ["congthongtin.example.vn"]  # once, by the guard, and never again by anyone
    assert network.log["connected"] == [("93.184.215.14", 443)]
    assert network.log["server_hostname"] == "congthongtin.example.vn"  # SNI and certificate name
    assert b"\r\nHost: congthongtin.example.vn\r\n" in network.log["sent"]


async def test_a_name_that_resolves_to_a_refused_address_never_opens_a_socket():
    dns, network = Rebinding(["93.184.215.14", "169.254.169.254"]), Network()
    async with client(TargetGuard((), dns), network) as http:
        with pytest.raises(httpx.ConnectError, match=r"169\.254\.169\.254, a link-local address"):
            await http.post("http://portal.example/hook", content=b"{}")
        with pytest.raises(httpx.ConnectError, match=r"10\.0\.0\.1, a private address"):
            await http.post("http://10.0.0.1:8080/hook", content=b"{}")
    assert "connected" not in network.log


async def test_a_host_rebound_to_a_private_address_is_refused_at_its_next_connection():
    dns, network = Rebinding(["93.184.215.14"], ["127.0.0.1"]), Network()
    guard = TargetGuard((), dns)
    assert await guard.url_refusal("http://portal.example/hook") is None  # as it was registered
    async with client(guard, network) as http:
        outcome = await attempt(http, "http://portal.example/hook", ["s" * 16], "d-1", "publish", {}, 1)
    assert outcome.status is None and "portal.example resolves to 127.0.0.1, a loopback address" in outcome.error
    assert "connected" not in network.log


async def test_allow_listed_networks_are_reached():
    network = Network()
    async with client(TargetGuard(LOOPBACK, Rebinding(["127.0.0.1"])), network) as http:
        assert (await http.post("http://receiver.test:8700/hook", content=b"{}")).status_code == 204
    assert network.log["connected"] == [("127.0.0.1", 8700)]


async def test_a_registration_is_refused_only_for_what_it_can_know():
    guard = TargetGuard((), Rebinding(["10.1.2.3"]))
    assert await guard.url_refusal("http://169.254.169.254/latest/meta-data/") == (
        "url",
        "169.254.169.254, a link-local address (where cloud metadata answers): channels reach only public "
        "addresses and networks in NG_NOTIFY_ALLOWED_NETWORKS",
    )
    refused = await guard.url_refusal("https://noi-bo.example/hook")
    assert refused is not None and "noi-bo.example resolves to 10.1.2.3, a private address" in refused[1]

    async def unknown(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    assert await TargetGuard((), unknown).url_refusal("https://chua-co.example/hook") is None  # checked at each send
    with pytest.raises(RefusedTarget):
        await TargetGuard((), unknown).addresses("::1", 80)
