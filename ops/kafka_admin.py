"""Apply ops.kafka_access to a secured cluster as its admin: SCRAM users, topics, ACLs.

Topics are created as the services would create them (neuguong.runtime.topics.ensure_topics: partitions,
retention, compaction), since no service may create topics on a secured cluster. ACLs and SCRAM users go
through confluent-kafka's admin client (aiokafka has no API for them). Every step is idempotent.
"""

import asyncio
import logging
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass

from neuguong.runtime.settings import Settings
from neuguong.runtime.topics import ensure_topics
from ops.kafka_access import Grant, grants
from schemas.topics import ALL_TOPICS, dead_letter_topic
from services import NAMES as SERVICES

log = logging.getLogger(__name__)
SCRAM_ITERATIONS = 8192


@dataclass(frozen=True)
class Applied:
    """What one run did."""

    users: list[str]
    acls: int


def admin_config(settings: Settings) -> dict[str, str]:
    """librdkafka's configuration for the connection `settings` describe (the admin's)."""
    config = {
        "bootstrap.servers": settings.kafka_bootstrap,
        "security.protocol": settings.kafka_security_protocol,
        "log_level": "3",  # errors only: librdkafka's notices would go to stderr beside the command's own lines
    }
    if settings.kafka_security_protocol.startswith("SASL_"):
        config.update(
            {
                "sasl.mechanism": settings.kafka_sasl_mechanism,
                "sasl.username": settings.kafka_sasl_username,
                "sasl.password": settings.kafka_sasl_password,
            }
        )
    if settings.kafka_ssl_cafile is not None:
        config["ssl.ca.location"] = str(settings.kafka_ssl_cafile)
    return config


def _binding(grant: Grant, operation: str) -> object:
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    return AclBinding(
        ResourceType.TOPIC if grant.resource == "topic" else ResourceType.GROUP,
        grant.name,
        ResourcePatternType.PREFIXED if grant.prefixed else ResourcePatternType.LITERAL,
        f"User:{grant.principal}",
        "*",
        AclOperation[operation],
        AclPermissionType.ALLOW,
    )


def _wait(futures: Mapping[object, Future]) -> None:
    for future in futures.values():
        future.result(timeout=30)


def _users_and_acls(settings: Settings, prefix: str, passwords: Mapping[str, str]) -> Applied:
    from confluent_kafka.admin import AdminClient, ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion

    admin = AdminClient(admin_config(settings))
    if passwords:
        info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
        upserts = [UserScramCredentialUpsertion(user, info, pw.encode()) for user, pw in sorted(passwords.items())]
        _wait(admin.alter_user_scram_credentials(upserts))
    # One binding per (resource, principal, operation): a principal's DESCRIBE comes from several grants.
    unique = {(g.resource, g.name, g.prefixed, g.principal, op): (g, op) for g in grants(prefix) for op in g.operations}
    bindings = [_binding(grant, op) for grant, op in unique.values()]
    _wait(admin.create_acls(bindings))  # creating an ACL that exists changes nothing
    return Applied(sorted(passwords), len(bindings))


async def apply_access(settings: Settings, passwords: Mapping[str, str]) -> Applied:
    """Create or update the SCRAM users named in `passwords`, the topics, then every grant, for the topic
    prefix of `settings` (whose connection is the admin's)."""
    await ensure_topics(settings, [*ALL_TOPICS, *(dead_letter_topic(s) for s in SERVICES)])
    applied = await asyncio.to_thread(_users_and_acls, settings, settings.topic_prefix, passwords)
    log.info("kafka access applied", extra={"users": applied.users, "acls": applied.acls})
    return applied
