"""The AsyncAPI document describes every topic and every subscription as the services run them, and is kept
current."""

import json
from urllib.parse import unquote

from ops.asyncapi import DOCUMENT, SERVICES, build_document, render
from schemas.registry import EVENT_TYPES
from schemas.topics import ALL_TOPICS
from services import definition as load_definition


def test_the_checked_in_document_is_current():
    assert DOCUMENT.read_text(encoding="utf-8") == render(build_document()), (
        "schemas/asyncapi.json is stale: run python -m ops.asyncapi"
    )


def test_every_published_topic_and_every_subscription_is_described():
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    addresses = {channel["address"] for channel in document["channels"].values()}
    operations = set(document["operations"])
    for topic in ALL_TOPICS:
        if any(model.topic == topic.name for model in EVENT_TYPES.values()):
            assert topic.name in addresses
            assert f"{topic.owner} → {topic.name}" in operations
    for service in SERVICES:
        for topic in load_definition(service).consumes:
            assert f"{topic} → {service}" in operations


def test_each_subscription_lists_exactly_the_event_types_its_service_handles_on_its_topic():
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    described = {
        title: event_types(document, operation)
        for title, operation in document["operations"].items()
        if operation["action"] == "receive"
    }
    expected = {}
    for service in SERVICES:
        definition = load_definition(service)
        for topic in definition.consumes:
            expected[f"{topic} → {service}"] = {t for t in definition.handlers if EVENT_TYPES[t].topic == topic}
    assert described == expected


def event_types(document: dict, operation: dict) -> set[str]:
    """The event types an operation's message admits: the `event_type` constant of each alternative."""
    (message,) = operation["messages"]
    schema = resolve(document, resolve(document, message)["payload"])
    alternatives = schema.get("oneOf") or schema.get("anyOf") or [schema]
    return {resolve(document, alternative)["properties"]["event_type"]["const"] for alternative in alternatives}


def resolve(document: dict, node: dict) -> dict:
    """Follow local references (`#/components/schemas/a%20b`) to the node they name."""
    while "$ref" in node:
        target = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[unquote(part)]
        node = target
    return node
