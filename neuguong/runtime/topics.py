"""Creating the topics a service needs, with partitions and compaction as declared in schemas, and keeping
the history they hold: event topics never expire, directory topics are compacted (DESIGN.md §9)."""

import asyncio
import logging

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, for_code

from neuguong.runtime.kafka import client_options
from neuguong.runtime.settings import Settings
from schemas.topics import Topic

log = logging.getLogger(__name__)

DYNAMIC_TOPIC_CONFIG = 1
"""DescribeConfigs' config_source of a value set on the topic itself (not a broker default)."""


def topic_configs(topic: Topic, settings: Settings) -> dict[str, str]:
    """The configuration every copy of `topic` must have: an event topic (and a dead-letter topic) is the
    system's history and keeps every record forever; a directory topic keeps each key's latest record."""
    sized = {"max.message.bytes": str(settings.topic_max_message_bytes)}
    if topic.compacted:
        return {"cleanup.policy": "compact", **sized}
    return {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1", **sized}


def corrections(wanted: dict[str, str], actual: dict[str, str]) -> dict[str, str]:
    """The values of `wanted` an existing topic departs from. A larger max.message.bytes is the operator's
    (raised to let a parked row through) and stays."""
    wrong = {name: value for name, value in wanted.items() if actual.get(name) != value}
    size = "max.message.bytes"
    if size in wrong and size in actual and int(actual[size]) > int(wanted[size]):
        del wrong[size]
    return wrong


TOPIC_EXISTS = 36
"""CreateTopics' error code of a topic that is already there (another service created it at the same moment)."""


class TopicsUnavailable(RuntimeError):
    """The broker refused to create a topic, or does not serve a created one within the bound."""


async def ensure_topics(settings: Settings, topics: list[Topic], *, served_within: float = 30.0) -> None:
    """Create the missing topics; correct the history-keeping configuration of the existing ones; return once
    the broker serves every one of them.

    The controller answers CreateTopics once the topic is recorded, before the brokers serve it. A consumer
    that subscribes in that moment finds the topic missing from its metadata, gets none of its partitions
    and asks again only after `metadata.max.age.ms` (five minutes), so a service starts consuming only once
    its topics are there with a leader for each partition."""
    admin = AIOKafkaAdminClient(**client_options(settings), client_id=f"{settings.service}-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = {settings.topic(t.name): t for t in topics}
        missing = [
            NewTopic(
                name,
                num_partitions=t.partitions,
                replication_factor=settings.kafka_replication,
                topic_configs=topic_configs(t, settings),
            )
            for name, t in wanted.items()
            if name not in existing
        ]
        created = await _create(admin, missing) if missing else []
        await _until_served(admin, list(wanted), served_within)
        await _correct(admin, settings, {name: t for name, t in wanted.items() if name not in created})
    finally:
        await admin.close()


async def _create(admin: AIOKafkaAdminClient, missing: list[NewTopic]) -> list[str]:
    """Create `missing`; the names this call created (one another service created meanwhile is not)."""
    response = (await admin.create_topics(missing)).to_object()
    created, refused = [], {}
    for result in response["topic_errors"]:
        if result["error_code"] == 0:
            created.append(result["topic"])
        elif result["error_code"] != TOPIC_EXISTS:
            error = for_code(result["error_code"])
            refused[result["topic"]] = f"{error.__name__}: {result.get('error_message') or error.description}"
    if created:
        log.info("topics created", extra={"topics": created})
    if refused:
        raise TopicsUnavailable(f"the broker refused to create topics: {refused}")
    return created


async def _until_served(admin: AIOKafkaAdminClient, names: list[str], within: float) -> None:
    """Wait until the broker's metadata lists every topic of `names` with a leader for each partition."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        waiting = unserved(await admin.describe_topics(names))
        if not waiting:
            return
        if asyncio.get_running_loop().time() >= deadline:
            raise TopicsUnavailable(f"topics not served by the broker within {within:g} s: {sorted(waiting)}")
        await asyncio.sleep(0.1)


TOPIC_AUTHORIZATION_FAILED = 29


def unserved(described: list[dict]) -> set[str]:
    """The topics of a Metadata answer the broker does not serve yet: unknown, or a partition without a
    leader. One this client may not describe is left to the admin's provisioning, as in `_correct`."""
    return {
        t["topic"]
        for t in described
        if t["error_code"] != TOPIC_AUTHORIZATION_FAILED
        and (t["error_code"] or not t["partitions"] or any(p["error_code"] or p["leader"] < 0 for p in t["partitions"]))
    }


async def _correct(admin: AIOKafkaAdminClient, settings: Settings, topics: dict[str, Topic]) -> None:
    if not topics:
        return
    try:
        described = await describe_topic_configs(admin, list(topics))
    except KafkaError as error:  # e.g. no DescribeConfigs ACL: the admin's provisioning is trusted then
        log.warning("topic configurations not checked", extra={"error": f"{type(error).__name__}: {error}"})
        return
    for name, topic in topics.items():
        values, own = described[name]
        wrong = corrections(topic_configs(topic, settings), values)
        if not wrong:
            continue
        # AlterConfigs replaces a topic's own settings as a whole: keep the ones set on it before.
        resource = ConfigResource(ConfigResourceType.TOPIC, name, {**own, **wrong})
        try:
            for response in await admin.alter_configs([resource]):
                _raise_on_error(response.to_object()["resources"])
        except KafkaError as error:
            log.error(
                "topic keeps a finite history: configuration could not be corrected",
                extra={"topic": name, "wanted": wrong, "error": f"{type(error).__name__}: {error}"},
            )
            continue
        log.warning("topic configuration corrected", extra={"topic": name, "was": {k: values.get(k) for k in wrong}})


async def describe_topic_configs(
    admin: AIOKafkaAdminClient, names: list[str]
) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Each topic's effective configuration, and the part set on the topic itself."""
    resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
    described: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    for response in await admin.describe_configs(resources):
        results = response.to_object()["resources"]
        _raise_on_error(results)
        for result in results:
            entries = result["config_entries"]
            described[result["resource_name"]] = (
                {e["config_names"]: e["config_value"] for e in entries},
                {e["config_names"]: e["config_value"] for e in entries if e["config_source"] == DYNAMIC_TOPIC_CONFIG},
            )
    return described


def _raise_on_error(results: list[dict]) -> None:
    for result in results:
        if result["error_code"]:
            raise for_code(result["error_code"])(result.get("error_message") or result["resource_name"])


async def topic_partitions(settings: Settings, topics: list[str]) -> list[TopicPartition]:
    """The partitions of existing topics (physical names); topics that do not exist are left out."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if t["error_code"] == 0
        for p in sorted(t["partitions"], key=lambda p: p["partition"])
    ]


async def delete_prefixed_topics(settings: Settings, prefix: str) -> list[str]:
    """Drop every topic whose name starts with `prefix` (a test's or a benchmark's); return their names."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
        return mine
    finally:
        await admin.close()
