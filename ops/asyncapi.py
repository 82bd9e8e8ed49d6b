"""The AsyncAPI document of the whole system: every topic, who publishes it, who consumes what from it.

The subscriptions are the services' own: each service's consumer subscribes, as it does when it runs, on a
broker that never connects. Written to schemas/asyncapi.json by `python -m ops.asyncapi` (printed, not
written, for the services named after it); a test keeps it current.
"""

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Union

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from prometheus_client import CollectorRegistry

from neuguong.runtime.metrics import RuntimeMetrics
from neuguong.runtime.reading import whole_event
from neuguong.runtime.service import subscribe_consumer
from neuguong.runtime.settings import Settings
from schemas.registry import EVENT_TYPES
from schemas.topics import ALL_TOPICS
from services import NAMES as SERVICES
from services import definition as load_definition

DOCUMENT = Path(__file__).parents[1] / "schemas" / "asyncapi.json"


def _published(topic: str) -> Any:
    models = tuple(whole_event(m) for t, m in sorted(EVENT_TYPES.items()) if m.topic == topic)
    return models[0] if len(models) == 1 else Union[models]  # noqa: UP007 - built at run time


def build_document(services: Sequence[str] = SERVICES) -> dict:
    """The AsyncAPI 3.0 document as a JSON-ready dict (of `services`' subscriptions; all by default)."""
    broker = KafkaBroker("kafka:9092", description="Nêu Gương — Kafka event bus (key = aggregate id)")
    for topic in ALL_TOPICS:
        if any(m.topic == topic.name for m in EVENT_TYPES.values()):
            broker.publisher(
                topic.name,
                title=f"{topic.owner} → {topic.name}",
                description=topic.description,
                schema=_published(topic.name),
            )
    for service in services:
        settings = Settings(service=service, environment="development", topic_prefix="")
        subscribe_consumer(load_definition(service), settings, broker, None, RuntimeMetrics(CollectorRegistry()))
    spec = AsyncAPI(
        broker,
        title="Nêu Gương",
        version="1",
        schema_version="3.0.0",
        description="Events of the campaign 'Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí "
        "Minh'; one envelope (schemas/envelope.py) around each event's payload.",
    )
    return json.loads(spec.to_specification().to_json())


def render(document: dict) -> str:
    """Stable text of the document."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    if sys.argv[1:]:  # some services only: printed for a look, never written over the whole system's document
        sys.stdout.write(render(build_document(sys.argv[1:])))
    else:
        DOCUMENT.write_text(render(build_document()), encoding="utf-8")
        print(f"wrote {DOCUMENT}", file=sys.stderr)
