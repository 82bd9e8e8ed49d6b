"""The AsyncAPI document of the whole system: every topic, who publishes it, who consumes what from it.

Written to schemas/asyncapi.json by `python -m neuguong.asyncapi`; a test keeps it current.
"""

import json
import sys
from pathlib import Path
from typing import Any, Union

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from neuguong.runtime.service import load_definition
from schemas.export import whole_event_model
from schemas.registry import EVENT_TYPES
from schemas.topics import ALL_TOPICS

SERVICES = ("commitments", "honors", "inspections", "notifications", "projections")
DOCUMENT = Path(__file__).parents[1] / "schemas" / "asyncapi.json"


def _message_type(event_types: list[str]) -> Any:
    models = tuple(whole_event_model(EVENT_TYPES[t]) for t in sorted(event_types))
    return models[0] if len(models) == 1 else Union[models]  # noqa: UP007 - built at run time


def _documented_handler(event_types: list[str]):  # noqa: ANN202
    async def handler(event) -> None:  # noqa: ANN001 - the annotation is set below, per subscription
        """Documents a subscription; the runtime's batch consumer does the work."""

    handler.__annotations__ = {"event": _message_type(event_types), "return": None}
    return handler


def build_document() -> dict:
    """The AsyncAPI 3.0 document as a JSON-ready dict."""
    broker = KafkaBroker("kafka:9092", description="Nêu Gương — Kafka event bus (key = aggregate id)")
    for topic in ALL_TOPICS:
        published = [t for t, m in EVENT_TYPES.items() if m.topic == topic.name]
        if published:
            broker.publisher(topic.name, title=f"{topic.owner} → {topic.name}", description=topic.description,
                             schema=_message_type(published))
    for service in SERVICES:
        definition = load_definition(service)
        for topic in definition.consumes:
            handled = [t for t in definition.handlers if EVENT_TYPES[t].topic == topic]
            broker.subscriber(topic, group_id=service, title=f"{topic} → {service}",
                              description=f"{service} applies {', '.join(sorted(handled))}")(
                _documented_handler(handled))
    spec = AsyncAPI(broker, title="Nêu Gương", version="1", schema_version="3.0.0",
                    description="Events of the campaign 'Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí "
                                "Minh'; one envelope (schemas/envelope.py) around each event's payload.")
    return json.loads(spec.to_specification().to_json())


def render(document: dict) -> str:
    """Stable text of the document."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    DOCUMENT.write_text(render(build_document()), encoding="utf-8")
    print(f"wrote {DOCUMENT}", file=sys.stderr)
