"""JSON Schema of every event (envelope + payload), checked in under schemas/json/.

Run `python -m schemas.export` after changing an event; tests fail while the files are stale
and when a change would break reading events written under the checked-in schema.
"""

import json
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import create_model

from schemas.compat import breaking_changes
from schemas.envelope import Envelope, Event
from schemas.registry import EVENT_TYPES

JSON_DIR = Path(__file__).parent / "json"


def schema_file(model: type[Event]) -> Path:
    """Where the schema of one event type and version is kept."""
    return JSON_DIR / f"{model.event_type}.v{model.version}.json"


def whole_event_model(model: type[Event]) -> type[Envelope]:
    """A model of a whole event of this type: the envelope with the typed payload."""
    return create_model(
        f"{model.event_type}Event",
        __base__=Envelope,
        __doc__=model.__doc__,
        event_type=(Literal[model.event_type], ...),  # type: ignore[arg-type]
        version=(Literal[model.version], ...),  # type: ignore[arg-type]
        payload=(model, ...),
    )


def event_schema(model: type[Event]) -> dict[str, Any]:
    """The JSON Schema of a whole event of this type: its envelope with the typed payload."""
    schema = whole_event_model(model).model_json_schema()
    schema["$id"] = f"urn:neuguong:event:{model.event_type}:v{model.version}"
    schema["x-topic"] = model.topic
    schema["x-key"] = model.key_field
    return schema


def render(schema: dict[str, Any]) -> str:
    """Stable text for a schema file."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> int:
    """Write every event's schema; refuse a change that would break reading events already written."""
    JSON_DIR.mkdir(exist_ok=True)
    refused = 0
    for model in EVENT_TYPES.values():
        path, schema = schema_file(model), event_schema(model)
        text = render(schema)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        if path.exists() and (problems := breaking_changes(json.loads(path.read_text(encoding="utf-8")), schema)):
            print(
                f"refused {path.name}: {'; '.join(problems)} — give {model.event_type} version "
                f"{model.version + 1} and an upcaster in schemas/registry.py",
                file=sys.stderr,
            )
            refused += 1
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
