"""The AsyncAPI document describes every topic and every subscription, and is kept current."""

import json

from neuguong.asyncapi import DOCUMENT, SERVICES, build_document, render
from neuguong.runtime.service import load_definition
from schemas.registry import EVENT_TYPES
from schemas.topics import ALL_TOPICS


def test_the_checked_in_document_is_current():
    assert DOCUMENT.read_text(encoding="utf-8") == render(build_document()), (
        "schemas/asyncapi.json is stale: run python -m neuguong.asyncapi")


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
