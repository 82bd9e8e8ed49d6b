"""The HTTP edge every service shares (runtime.edge, runtime.errors), on a small app without a database:
problem details, the correlation id on a 500, 503 for an outage, streamed bodies, headers, HEAD, ports."""

import io
import json
import logging

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from neuguong.runtime.errors import COMMAND_ERRORS, Problem, error_responses, install_error_handlers
from neuguong.runtime.http import install_middlewares
from neuguong.runtime.input import Command, InputText
from neuguong.runtime.logs import JsonFormatter
from neuguong.runtime.settings import Settings

LIMIT = 1000


class Note(Command):
    text: InputText


def edge_app(**settings) -> FastAPI:
    app = FastAPI()
    install_middlewares(app, Settings(service="t", **{"max_body_bytes": LIMIT, **settings}))
    install_error_handlers(app)

    @app.post("/notes", responses=error_responses(*COMMAND_ERRORS))
    async def note(body: Note) -> dict:
        return {"text": body.text}

    @app.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("a fault of the service")

    @app.get("/down")
    async def down() -> dict:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

    @app.get("/restarting")
    async def restarting() -> dict:
        raise asyncpg.exceptions.CannotConnectNowError("the database system is starting up")

    @app.get("/metrics")
    async def metrics() -> dict:
        return {"metrics": True}

    @app.get("/data")
    async def data() -> dict:
        return {"data": True}

    return app


def client(app: FastAPI, port: int = 80) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://edge:{port}")


def assert_problem(reply: httpx.Response, status: int, field: str, reason: str) -> dict:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    body = reply.json()
    Problem.model_validate(body)
    assert body["status"] == status and body["type"] == "about:blank" and body["title"]
    assert any(e["field"] == field and reason in e["reason"] for e in body["errors"]), body
    assert body["correlation_id"] == reply.headers["x-correlation-id"]
    return body


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("t"))
    logging.getLogger().addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


async def test_a_500_keeps_the_correlation_id_in_body_header_and_log(log_lines):
    async with client(edge_app()) as http:
        reply = await http.get("/boom", headers={"X-Correlation-Id": "corr-500-test"})
    body = assert_problem(reply, 500, "-", "internal error")
    assert body["correlation_id"] == "corr-500-test" and body["instance"] == "/boom"
    logged = [line for line in log_lines() if line["message"] == "request failed"]
    assert logged and logged[0]["correlation_id"] == "corr-500-test" and "RuntimeError" in logged[0]["exception"]


async def test_a_correlation_id_a_log_cannot_hold_is_replaced():
    async with client(edge_app()) as http:
        reply = await http.get("/data", headers={"X-Correlation-Id": "evil\tid"})
    assert reply.headers["x-correlation-id"] != "evil\tid" and len(reply.headers["x-correlation-id"]) == 36


@pytest.mark.parametrize("path", ["/down", "/restarting"])
async def test_a_database_outage_is_a_503_with_retry_after(path):
    async with client(edge_app()) as http:
        reply = await http.get(path)
    assert_problem(reply, 503, "-", "database cannot be reached")
    assert int(reply.headers["retry-after"]) > 0


async def test_a_chunked_body_over_the_limit_is_refused_while_it_streams():
    async def chunks():
        for _ in range(20):
            yield b'{"text": "' + b"x" * 100 + b'"}'

    async with client(edge_app()) as http:
        reply = await http.post("/notes", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in reply.request.headers  # it really streamed
    assert_problem(reply, 413, "body", f"more than {LIMIT} bytes")


async def test_a_declared_length_over_the_limit_is_refused_before_reading():
    async with client(edge_app()) as http:
        reply = await http.post("/notes", json={"text": "x" * 2 * LIMIT})
    assert_problem(reply, 413, "body", f"over the limit of {LIMIT}")


async def test_a_small_streamed_body_reaches_the_route_whole():
    async def chunks():
        yield b'{"text": "Hi'
        yield "\u1ebfn".encode()
        yield b' \xc4\x91\xe1\xba\xa5t"}'

    async with client(edge_app()) as http:
        reply = await http.post("/notes", content=chunks(), headers={"Content-Type": "application/json"})
    assert reply.status_code == 200 and reply.json() == {"text": "Hiến đất"}


@pytest.mark.parametrize(
    "content, reason",
    [
        (b'{"text": "\xff\xfe b\xe1"}', "not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"text": ', "not valid JSON"),
    ],
    ids=["invalid UTF-8", "deeply nested", "truncated"],
)
async def test_bodies_that_are_not_json_are_refused_in_the_house_style(content, reason):
    async with client(edge_app(max_body_bytes=10**6)) as http:
        reply = await http.post("/notes", content=content, headers={"Content-Type": "application/json"})
    assert_problem(reply, 400, "body", reason)


@pytest.mark.parametrize("text", ["a\x00b", "x\x1bs", "a\x85b", "\x7f"])
async def test_control_characters_in_text_are_refused_naming_the_field(text):
    async with client(edge_app()) as http:
        reply = await http.post("/notes", json={"text": text})
    assert_problem(reply, 422, "text", "is not allowed in text")


async def test_tabs_and_line_breaks_are_text():
    async with client(edge_app()) as http:
        reply = await http.post("/notes", json={"text": "Dòng một\r\n\tdòng hai"})
    assert reply.status_code == 200


async def test_unknown_paths_and_methods_answer_problems():
    async with client(edge_app()) as http:
        missing, wrong = await http.get("/nowhere"), await http.delete("/data")
    assert_problem(missing, 404, "path", "no such resource")
    assert_problem(wrong, 405, "method", "not allowed")


async def test_every_answer_carries_the_security_headers_and_is_not_stored_by_default():
    async with client(edge_app()) as http:
        for reply in (await http.get("/data"), await http.get("/boom"), await http.post("/notes", json={})):
            assert reply.headers["x-content-type-options"] == "nosniff"
            assert reply.headers["x-frame-options"] == "DENY" and reply.headers["referrer-policy"] == "no-referrer"
            assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
            assert reply.headers["cache-control"] == "no-store"


async def test_head_answers_like_get_without_a_body():
    async with client(edge_app()) as http:
        get, head = await http.get("/data"), await http.head("/data")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]


async def test_with_an_operations_port_metrics_and_docs_answer_only_there():
    app = edge_app(operations_port=9100)
    async with client(app) as public, client(app, port=9100) as operations:
        assert (await public.get("/metrics")).status_code == 404
        assert (await public.get("/docs")).status_code == 404
        assert (await public.get("/openapi.json")).status_code == 404
        assert (await public.get("/data")).status_code == 200
        assert (await operations.get("/metrics")).status_code == 200
        assert (await operations.get("/docs")).status_code == 200
        assert (await operations.get("/data")).status_code == 404


def resolve(base_path: str, reference: str) -> str:
    """RFC 3986 §5.2 for a relative-path reference, empty segments kept as browsers keep them (Python's urljoin
    and httpx drop them, and would hide a redirect that leads astray from `/a/b//`)."""
    path, _, query = reference.partition("?")
    merged = base_path[: base_path.rfind("/") + 1] + path
    output: list[str] = []
    for segment in merged.split("/")[1:]:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if merged.endswith(("/..", "/.")):
        output.append("")
    return "/" + "/".join(output) + (f"?{query}" if query else "")


@pytest.mark.parametrize(
    "asked, reached",
    [
        ("/data/", "/data"),
        ("/data//", "/data"),
        ("/api/t/data/", "/api/t/data"),  # behind a proxy's path prefix
        ("/api/t/data///", "/api/t/data"),
    ],
)
async def test_a_trailing_slash_redirect_names_no_host_and_resolves_behind_any_prefix(asked, reached):
    app = edge_app()
    poisoned = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    async with client(app) as http:
        served = asked.removeprefix("/api/t")  # what the service sees behind the prefix
        reply = await http.get(served, params={"a": "1"}, headers=poisoned)
        assert reply.status_code == 307 and "evil" not in reply.headers["location"] + reply.text
        assert resolve(asked, reply.headers["location"]) == f"{reached}?a=1"
        assert (await http.get("/nothing/", headers=poisoned)).status_code == 404


async def test_a_redirect_keeps_the_query_bytes_as_sent():
    async with client(edge_app()) as http:
        reply = await http.get("/data/?q=Vi%E1%BB%87t&x=%20")
        assert reply.headers["location"] == "../data?q=Vi%E1%BB%87t&x=%20"


def test_the_resolver_of_these_tests_keeps_empty_segments():
    assert resolve("/a/b//", "../b") == "/a/b/b"  # what the first form of the redirect led to
    assert resolve("/a/b//", "../../b") == "/a/b" and resolve("/p/x", "./x/") == "/p/x/"


async def test_without_an_operations_port_everything_answers_on_one():
    async with client(edge_app()) as http:
        assert (await http.get("/metrics")).status_code == 200 and (await http.get("/docs")).status_code == 200


def test_declared_error_answers_are_problems_in_the_openapi_document():
    document = edge_app().openapi()
    answers = document["paths"]["/notes"]["post"]["responses"]
    for status in ("401", "409", "413", "422", "503"):
        assert set(answers[status]["content"]) == {"application/problem+json"}
        assert answers[status]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    assert "HTTPValidationError" not in document["components"]["schemas"]
