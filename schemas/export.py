"""JSON Schema of every event (envelope + payload), checked in under schemas/json/.

Run `python -m schemas.export` after changing an event; tests fail while the files are stale
and when a change would break reading events written under the checked-in schema.
"""

import json
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import create_model

from schemas.envelope import Envelope, Event
from schemas.registry import EVENT_TYPES

JSON_DIR = Path(__file__).parent / "json"


def schema_file(model: type[Event]) -> Path:
    """Where the schema of one event type and version is kept."""
    return JSON_DIR / f"{model.event_type}.v{model.version}.json"


def event_schema(model: type[Event]) -> dict[str, Any]:
    """The JSON Schema of a whole event of this type: its envelope with the typed payload."""
    full = create_model(
        f"{model.event_type}Event",
        __base__=Envelope,
        event_type=(Literal[model.event_type], ...),  # type: ignore[valid-type]
        version=(Literal[model.version], ...),  # type: ignore[valid-type]
        payload=(model, ...),
    )
    schema = full.model_json_schema()
    schema["$id"] = f"urn:neuguong:event:{model.event_type}:v{model.version}"
    schema["x-topic"] = model.topic
    schema["x-key"] = model.key_field
    return schema


def render(schema: dict[str, Any]) -> str:
    """Stable text for a schema file."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> int:
    """Write every event's schema; print the files that changed."""
    JSON_DIR.mkdir(exist_ok=True)
    for model in EVENT_TYPES.values():
        path, text = schema_file(model), render(event_schema(model))
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
