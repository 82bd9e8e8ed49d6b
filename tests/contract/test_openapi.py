"""The HTTP contract: each service's exported OpenAPI document is current, tells the truth about tokens, answers
and errors, and no edit breaks a client of the version git has at HEAD (NG_OPENAPI_BASE names another ref)."""

import copy
import os
import re
import subprocess

import pytest

from neuguong.runtime.problems import PROBLEM_MEDIA_TYPE
from ops.openapi import OPENAPI_DIR, NoHistory, build_document, committed_document, document_file, render
from ops.openapi_compat import breaking_changes
from services import NAMES

BASE = os.environ.get("NG_OPENAPI_BASE", "HEAD")
OPERATION_ID = re.compile(r"^(?P<service>[a-z]+)_(?P<verb>[a-z]+)_[a-z_]+$")


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    return {service: build_document(service) for service in NAMES}


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


@pytest.mark.parametrize("service", NAMES)
def test_the_export_is_current(service, documents):
    path = document_file(service)
    assert path.exists(), f"{path.name} missing: run python -m ops.openapi --write"
    assert path.read_text(encoding="utf-8") == render(documents[service]), (
        f"schemas/openapi/{service}.json is stale: run python -m ops.openapi --write"
    )


@pytest.mark.parametrize("service", NAMES)
def test_no_breaking_change_against_the_committed_export(service, documents):
    previous = committed_document(service, BASE)
    if previous is None:  # not committed at BASE yet: a new export has no clients to break
        return
    problems = breaking_changes(previous, documents[service])
    assert not problems, f"{service} breaks clients of the export at {BASE}:\n" + "\n".join(problems)


def test_every_service_has_an_export_and_nothing_else_is_there():
    assert {p.stem for p in OPENAPI_DIR.glob("*.json")} == set(NAMES)


@pytest.mark.parametrize("service", NAMES)
def test_operation_ids_are_explicit_and_name_their_service(service, documents):
    ids = [op["operationId"] for _, _, op in operations(documents[service])]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        match = OPERATION_ID.match(operation_id)
        assert match and match["service"] == service, f"{operation_id}: not <service>_<verb>_<noun>"


@pytest.mark.parametrize("service", NAMES)
def test_every_answer_has_a_schema_and_errors_are_problems(service, documents):
    for path, method, op in operations(documents[service]):
        where = f"{method.upper()} {path}"
        successes = [s for s in op["responses"] if s.startswith("2")]
        assert successes, f"{where}: no success answer"
        for status in successes:
            for media_type, content in op["responses"][status].get("content", {}).items():
                assert content.get("schema") not in (None, {}), f"{where} {status} {media_type}: no schema"
        for status, answer in op["responses"].items():
            if (status >= "400" and status != "503") or (status == "503" and path != "/readyz"):
                assert list(answer["content"]) == [PROBLEM_MEDIA_TYPE], f"{where} {status}"


@pytest.mark.parametrize("service", NAMES)
def test_token_routes_use_the_bearer_scheme_and_document_401_and_403(service, documents):
    document = documents[service]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    for path, method, op in operations(document):
        names = {p["name"].lower() for p in op.get("parameters", [])}
        assert "authorization" not in names, f"{method.upper()} {path}: the token is a security scheme"
        if op.get("security"):
            assert op["security"] == [{"bearer": []}]
            assert {"401", "403"} <= set(op["responses"]), f"{method.upper()} {path}"
            assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
        if method in ("post", "patch") and "requestBody" in op:
            assert {"400", "413", "422"} <= set(op["responses"]), f"{method.upper()} {path}"
            assert "idempotency-key" in names, f"{method.upper()} {path}: commands need an Idempotency-Key"


def test_the_report_workbook_and_the_feeds_have_their_media_types(documents):
    def media(service, path):
        return set(documents[service]["paths"][path]["get"]["responses"]["200"]["content"])

    assert media("projections", "/units/{unit_id}/report.xlsx") == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    }
    assert media("notifications", "/feeds/{unit_id}.atom") == {"application/atom+xml"}
    assert media("notifications", "/feeds/{unit_id}.json") == {"application/feed+json"}
    assert media("notifications", "/so-ghi-danh/{unit_id}") == {"text/html"}


# The checker itself: each kind of breaking edit is caught, harmless ones are not.


@pytest.fixture
def commitments():
    return build_document("commitments")


def test_an_unchanged_document_is_compatible(commitments):
    assert breaking_changes(commitments, copy.deepcopy(commitments)) == []


def test_a_removed_path_or_method_breaks(commitments):
    new = copy.deepcopy(commitments)
    del new["paths"]["/sessions"]
    del new["paths"]["/commitments"]["post"]
    problems = breaking_changes(commitments, new)
    assert "/sessions: path removed" in problems
    assert "POST /commitments: operation removed" in problems


def test_a_new_required_request_field_breaks_and_an_optional_one_does_not(commitments):
    new = copy.deepcopy(commitments)
    body = new["components"]["schemas"]["FileCommitment"]
    body["properties"]["note"] = {"type": "string"}
    assert breaking_changes(commitments, new) == []
    body["required"].append("note")
    assert any("POST /commitments request body.note: newly required" in p for p in breaking_changes(commitments, new))


def test_a_new_required_query_parameter_breaks(commitments):
    new = copy.deepcopy(commitments)
    op = new["paths"]["/members/{member_id}/commitments"]["get"]
    op["parameters"].append({"in": "query", "name": "year", "required": True, "schema": {"type": "integer"}})
    assert breaking_changes(commitments, new) == [
        "GET /members/{member_id}/commitments query parameter year: newly required"
    ]


def test_a_narrowed_type_or_enum_breaks(commitments):
    new = copy.deepcopy(commitments)
    rating = new["components"]["schemas"]["RateCommitmentBody"]["properties"]["rating"]
    rating["enum"] = rating["enum"][:1]
    year = new["components"]["schemas"]["FileCommitment"]["properties"]["year"]
    year["type"] = "string"
    problems = breaking_changes(commitments, new)
    assert any("rating: enum lost" in p for p in problems), problems
    assert any(".year: type integer became string" in p for p in problems), problems


def test_a_removed_answer_field_breaks(commitments):
    new = copy.deepcopy(commitments)
    answer = new["components"]["schemas"]["CommitmentAnswer"]
    del answer["properties"]["version"]
    problems = breaking_changes(commitments, new)
    assert "POST /commitments answer 201 application/json: .version: removed" in problems


def test_the_committed_export_is_read_from_git_and_a_bad_reference_is_an_error():
    root = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], capture_output=True, text=True, check=True)
    assert committed_document("commitments", root.stdout.split()[0]) is None  # before there were exports
    with pytest.raises(NoHistory, match="no-such-reference"):
        committed_document("commitments", "no-such-reference")
