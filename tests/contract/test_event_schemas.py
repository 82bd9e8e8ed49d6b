"""The wire contract: checked-in JSON Schemas are current, and no edit breaks reading older events."""

import copy
import json
from pathlib import Path

import pytest

from schemas import EVENT_TYPES, decode, read_payload
from schemas.compat import breaking_changes
from schemas.export import JSON_DIR, event_schema, render, schema_file

SAMPLES = Path(__file__).parents[2] / "schemas" / "samples"
MODELS = sorted(EVENT_TYPES.values(), key=lambda m: m.event_type)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.event_type)
def test_checked_in_schema_is_compatible_with_the_model(model):
    path = schema_file(model)
    assert path.exists(), f"{path.name} missing: run python -m schemas.export"
    checked_in = json.loads(path.read_text(encoding="utf-8"))
    problems = breaking_changes(checked_in, event_schema(model))
    assert not problems, (
        f"{model.event_type} v{model.version} breaks old events ({problems}): bump the version and add an upcaster"
    )


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.event_type)
def test_checked_in_schema_is_current(model):
    assert schema_file(model).read_text(encoding="utf-8") == render(event_schema(model)), (
        "schema file is stale: run python -m schemas.export"
    )


def test_every_checked_in_schema_belongs_to_a_known_event():
    known = {schema_file(m).name for m in MODELS}
    assert {p.name for p in JSON_DIR.glob("*.json")} <= known | _older_versions()


def _older_versions() -> set[str]:
    return {
        p.name
        for p in JSON_DIR.glob("*.json")
        if int(p.stem.rsplit(".v", 1)[1]) < EVENT_TYPES[p.stem.split(".")[0]].version
    }


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_events_written_by_earlier_schemas_still_read(sample):
    envelope = decode(sample.read_bytes())
    event = read_payload(envelope)
    assert type(event).event_type == envelope.event_type
    assert event.key() in sample.read_text(encoding="utf-8")


def test_every_event_type_has_a_sample():
    assert {p.stem.split(".")[0] for p in SAMPLES.glob("*.json")} == set(EVENT_TYPES)


# The checker itself: each kind of breaking edit is caught, harmless ones are not.


@pytest.fixture
def schema():
    return event_schema(EVENT_TYPES["CommitmentFiled"])


def _payload(schema):
    return schema["$defs"]["CommitmentFiled"]


def test_a_new_optional_field_is_compatible(schema):
    new = copy.deepcopy(schema)
    _payload(new)["properties"]["note"] = {"type": "string", "default": ""}
    assert breaking_changes(schema, new) == []


def test_a_new_required_field_breaks(schema):
    new = copy.deepcopy(schema)
    _payload(new)["properties"]["note"] = {"type": "string"}
    _payload(new)["required"].append("note")
    assert any("note: newly required" in p for p in breaking_changes(schema, new))


def test_a_changed_type_breaks(schema):
    new = copy.deepcopy(schema)
    _payload(new)["properties"]["year"] = {"type": "string"}
    assert any(".year: type integer became string" in p for p in breaking_changes(schema, new))


def test_a_removed_required_field_breaks(schema):
    new = copy.deepcopy(schema)
    del _payload(new)["properties"]["member_id"]
    assert any("member_id: removed" in p for p in breaking_changes(schema, new))


def test_a_narrowed_enum_breaks():
    old = event_schema(EVENT_TYPES["SessionHeld"])
    new = copy.deepcopy(old)
    new["$defs"]["SessionHeld"]["properties"]["kind"]["enum"] = ["regular"]
    assert any("enum lost ['thematic']" in p for p in breaking_changes(old, new))
