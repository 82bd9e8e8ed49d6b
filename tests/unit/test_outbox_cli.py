"""`neuguong outbox parked|retry|discard SERVICE` speaks to the service's HTTP API: what it sends, and the one-line
errors it ends with when the service cannot be reached or refuses the token."""

import httpx
import pytest

from ops import cli
from ops.failures import EXIT_UNREACHABLE, EXIT_USAGE
from ops.outbox import OutboxError, discard_parked, format_parked, list_parked, retry_parked
from tests.unit.test_deliveries_cli import service  # a client on a stand-in service

PARKED = {
    "id": 41,
    "event_id": "0190f1c2-0000-7000-8000-000000000001",
    "topic": "commitments.events",
    "key": "lc-x001-c01-m000001",
    "event_type": "CommitmentFiled",
    "bytes": 1_200_000,
    "created_at": "2026-03-01T02:00:00+00:00",
    "parked_at": "2026-03-01T02:00:01+00:00",
    "reason": "MessageSizeTooLargeError: [Error 10] MessageSizeTooLargeError",
    "held_back": 2,
}


def settled(request: httpx.Request) -> httpx.Response:
    if request.method == "GET":
        return httpx.Response(200, json={"parked": [PARKED, {**PARKED, "id": 42}]})
    row_id, action = request.url.path.split("/")[-2:]
    return httpx.Response(200, json={"id": int(row_id), "state": "pending" if action == "retry" else "discarded"})


async def test_retry_without_ids_hands_back_every_parked_row():
    client, seen = service(settled)
    assert await retry_parked(client) == [{"id": 41, "state": "pending"}, {"id": 42, "state": "pending"}]
    assert [(r.method, r.url.path) for r in seen] == [
        ("GET", "/outbox/parked"),
        ("POST", "/outbox/parked/41/retry"),
        ("POST", "/outbox/parked/42/retry"),
    ]
    assert all(r.headers["Authorization"] == "Bearer t" for r in seen)


async def test_listing_and_discarding_name_the_rows():
    client, seen = service(settled)
    assert [row["id"] for row in await list_parked(client)] == [41, 42]
    assert await discard_parked(client, [42]) == [{"id": 42, "state": "discarded"}]
    assert seen[-1].url.path == "/outbox/parked/42/discard"
    assert format_parked(PARKED).split("\t")[:5] == [
        "41",
        "commitments.events",
        "lc-x001-c01-m000001",
        "CommitmentFiled",
        "1200000 bytes",
    ]


@pytest.mark.parametrize(
    "status, body, says",
    [
        (
            403,
            {"detail": "unit: parked rows may belong to any unit; lc-x001 is not the root of the tree"},
            "token: refused",
        ),
        (409, {"detail": "id: outbox row 41 was discarded; it cannot be retried"}, "POST /outbox/parked/41/retry: 409"),
    ],
)
async def test_a_refusal_is_one_line_naming_why(status, body, says):
    client, _ = service(lambda _: httpx.Response(status, json=body))
    with pytest.raises(OutboxError) as error:
        await retry_parked(client, [41])
    assert says in str(error.value) and "\n" not in str(error.value)


def test_the_command_ends_with_one_line_when_the_service_is_unreachable(capsys):
    assert (
        cli.main(["outbox", "discard", "honors", "7", "--url", "http://127.0.0.1:9", "--token", "t"])
        == EXIT_UNREACHABLE
    )
    out, err = capsys.readouterr()
    assert (
        out == ""
        and err.startswith("neuguong: outbox: honors: cannot reach http://127.0.0.1:9")
        and err.count("\n") == 1
    )
    assert cli.main(["outbox", "parked", "honors", "--token", ""]) == EXIT_USAGE
    assert "token: pass --token or set NG_TOKEN" in capsys.readouterr().err
