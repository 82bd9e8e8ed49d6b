"""`neuguong deliveries` speaks to services/notifications' HTTP API: what it sends, and the one-line errors it
ends with when the service cannot be reached or refuses the token."""

import json
import socket

import httpx
import pytest

from ops import cli
from ops.deliveries import DeliveriesError, list_deliveries, operator_client, retry_deliveries
from ops.failures import EXIT_UNREACHABLE, EXIT_USAGE

DEAD = {
    "delivery_id": "0190f1c2-0000-7000-8000-000000000001",
    "channel_id": "portal",
    "honor_id": "h1",
    "kind": "publish",
    "state": "dead",
    "attempts": 8,
    "total_attempts": 8,
    "last_status": 503,
    "last_error": "HTTP 503: busy",
    "created_at": "2026-03-01T02:00:00+00:00",
    "next_attempt_at": None,
    "settled_at": "2026-03-01T02:10:00+00:00",
}


def service(answer):
    """A client whose service answers every request with `answer(request)`; the requests it saw."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    client = httpx.AsyncClient(
        transport=httpx.MockTransport(handle), base_url="http://notifications", headers={"Authorization": "Bearer t"}
    )
    return client, seen


async def test_list_reads_the_deliveries_of_the_api():
    client, seen = service(lambda _: httpx.Response(200, json={"deliveries": [DEAD]}))
    assert await list_deliveries(client, state="dead", channel_id="portal") == [DEAD]
    (request,) = seen
    assert (request.method, request.url.path, dict(request.url.params)) == (
        "GET",
        "/deliveries",
        {"state": "dead", "channel_id": "portal", "limit": "100"},
    )
    assert request.headers["Authorization"] == "Bearer t"


async def test_each_retry_is_a_new_request_with_a_fresh_idempotency_key():
    client, seen = service(lambda _: httpx.Response(200, json={"retried": [DEAD["delivery_id"]]}))
    assert await retry_deliveries(client, channel_id="portal") == [DEAD["delivery_id"]]
    await retry_deliveries(client, delivery_ids=[DEAD["delivery_id"]])
    first, second = seen
    assert (first.method, first.url.path) == ("POST", "/deliveries/retry")
    assert json.loads(first.content) == {"channel_id": "portal"}
    assert json.loads(second.content) == {"delivery_ids": [DEAD["delivery_id"]]}
    assert first.headers["Idempotency-Key"] != second.headers["Idempotency-Key"]


@pytest.mark.parametrize(
    "status, body, starts",
    [
        (
            401,
            {"detail": "authorization: token expired"},
            "token: refused by notifications (authorization: token expired)",
        ),
        (403, {"detail": "role: 'publisher' may not do this (needs one of operator)"}, "token: may not do this"),
        (422, {"detail": "delivery_ids.0: Input should be a valid UUID"}, "notifications: 422 delivery_ids.0"),
    ],
)
async def test_a_refusal_is_one_line_naming_why(status, body, starts):
    client, _ = service(lambda _: httpx.Response(status, json=body))
    with pytest.raises(DeliveriesError) as error:
        await retry_deliveries(client)
    assert str(error.value).startswith(starts) and "\n" not in str(error.value)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_ends_with_one_line_when_the_service_is_unreachable(capsys):
    url = f"http://127.0.0.1:{closed_port()}"
    assert cli.main(["deliveries", "list", "--dead", "--url", url, "--token", "t"]) == EXIT_UNREACHABLE
    out, err = capsys.readouterr()
    assert err.startswith(f"neuguong: deliveries: notifications: cannot reach {url}")
    assert err.count("\n") == 1 and out == ""


def test_the_command_needs_a_token(monkeypatch, capsys):
    monkeypatch.delenv("NG_TOKEN", raising=False)
    assert cli.main(["deliveries", "retry", "--url", "http://127.0.0.1:9"]) == EXIT_USAGE
    expected = "neuguong: deliveries: token: pass --token or set NG_TOKEN (an operator's bearer token)\n"
    assert capsys.readouterr().err == expected
    with pytest.raises(DeliveriesError):
        operator_client(None, "")
