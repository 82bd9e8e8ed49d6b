"""Every operation of every service, fuzzed from its exported OpenAPI document (schemathesis) against the
services running on the real broker and database: with a valid token of any role and a fresh Idempotency-Key
each request answers no 5xx and nothing its document does not describe (status, media type, schema); without a
token, or with one that does not verify, a 401 problem.

NG_FUZZ_EXAMPLES sets the examples per operation (5 by default, so `make test` stays quick; raise it for a
longer hunt)."""

import json
import os
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from neuguong.runtime.auth import ROLES, generate_key_pair, mint_token
from ops.openapi import document_file
from services import NAMES
from tests.integration.edge import every_service

EXAMPLES = int(os.environ.get("NG_FUZZ_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
REFUSES_BAD_INPUT = [*CHECKS, negative_data_rejection]
"""A batch answers a malformed row in its 200 (the row `rejected`), so only single requests must refuse one."""
UNFUZZED = {"/readyz", "/metrics"}  # readiness waits on the broker; the metrics text has no schema to hold
REFUSALS = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
            }
        }
    }
)
"""How a service may refuse bad input: schemathesis's list and 413, the edge's answer to a body over its limit
(an array far beyond its maxItems can be one before it is parsed)."""


def _operations():
    found = []
    for service in NAMES:
        schema = schemathesis.openapi.from_dict(
            json.loads(document_file(service).read_text(encoding="utf-8")), config=REFUSALS
        )
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path not in UNFUZZED:
                found.append(
                    pytest.param(service, operation, id=f"{service} {operation.method.upper()} {operation.path}")
                )
    return found


OPERATIONS = _operations()


@pytest.fixture(scope="module")
async def running(key_pair, small_directory):
    """Every service on one prefix, with the demo directory loaded and applied everywhere."""
    async with every_service(key_pair, small_directory) as running:
        yield running


def test_every_operation_of_every_service_is_fuzzed():
    fuzzed = {(p.values[0], p.values[1].method.upper(), p.values[1].path) for p in OPERATIONS}
    for service in NAMES:
        document = json.loads(document_file(service).read_text(encoding="utf-8"))
        for path, item in document["paths"].items():
            for method in item:
                assert path in UNFUZZED or (service, method.upper(), path) in fuzzed


def bad_tokens(private_key: bytes) -> list[str | None]:
    """No token, a malformed one, and a well-formed token signed by a key the services do not trust."""
    stranger, _ = generate_key_pair()
    return [None, "Bearer not-a-token", f"Bearer {mint_token(stranger, sub='ke-la', role='operator', unit='lc')}"]


def known_ids(operation, directory) -> st.SearchStrategy[dict[str, str]]:
    """Half the time, units, cells and members of the directory in the path (so answers of things that exist
    are checked too, not only 404s); otherwise whatever schemathesis generates."""
    units = [u.unit_id for u in directory.units]
    by_name = {
        "unit_id": units,
        "cell_id": [u.unit_id for u in directory.units if u.level == "cell"],
        "member_id": [m.member_id for m in directory.members],
        "subject_id": units + [m.member_id for m in directory.members],
    }
    names = [p.name for p in operation.path_parameters if p.name in by_name]
    fixed = st.fixed_dictionaries({name: st.sampled_from(by_name[name]) for name in names})
    return st.one_of(st.just({}), fixed) if names else st.just({})


async def send(service, case, authorization: str | None = "as generated"):
    """The case as an HTTP request to the in-process service; `authorization` replaces the case's token (None:
    no token at all)."""
    request = case.as_transport_kwargs(base_url=str(service.client.base_url))
    headers = dict(request["headers"])
    if authorization != "as generated":
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        if authorization is not None:
            headers["Authorization"] = authorization
    if "json" in request:
        headers.setdefault("Content-Type", "application/json")
        content = json.dumps(request["json"]).encode()
    else:
        content = request.get("data")
    return await service.client.request(
        request["method"], request["url"], params=request.get("params"), headers=headers, content=content
    )


def fixed_headers(operation, token: str) -> dict[str, str]:
    """A valid token and, where the operation takes one, a fresh Idempotency-Key: given, never generated, so a
    negative case is bad in what the operation itself checks, not in a header replaced before sending."""
    names = {p.name.lower() for p in operation.headers}
    headers = {"Authorization": f"Bearer {token}"}
    if "idempotency-key" in names:
        headers["Idempotency-Key"] = f"fuzz-{uuid.uuid4()}"
    return headers


@pytest.mark.parametrize(("service_name", "operation"), OPERATIONS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
async def test_an_operation_answers_what_its_document_says(running, small_directory, service_name, operation, data):
    stack, services = running
    service = services[service_name]
    mode = data.draw(st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]), label="mode")
    known = data.draw(known_ids(operation, small_directory), label="known ids")
    role = data.draw(st.sampled_from(sorted(ROLES)), label="role")
    token = mint_token(stack.private_key, sub=f"fuzz-{role}", role=role, unit="lc")
    strategy = operation.as_strategy(
        generation_mode=mode, path_parameters=known, headers=fixed_headers(operation, token)
    )
    case = data.draw(strategy, label="case")
    reply = await send(service, case)
    case.validate_response(reply, checks=CHECKS if operation.path.endswith("/batch") else REFUSES_BAD_INPUT)
    if operation.definition.raw.get("security") and mode is GenerationMode.POSITIVE:
        for authorization in bad_tokens(stack.private_key):
            refused = await send(service, case, authorization)
            assert refused.status_code == 401, (authorization, refused.status_code, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["errors"][0]["field"] == "authorization"
            case.validate_response(refused, checks=CHECKS)
