"""How every Kafka client of the system connects: bootstrap servers and, in production, SASL/SCRAM over TLS."""

import functools
import random
import ssl
from typing import Any

from aiokafka.conn import AIOKafkaConnection, CloseReason
from aiokafka.errors import KafkaConnectionError
from faststream.security import BaseSecurity, SASLScram256, SASLScram512
from murmurhash2 import murmurhash2

from neuguong.runtime.settings import Settings

_MURMUR2_SEED = 0x9747B28C  # the Java client's seed (org.apache.kafka.common.utils.Utils.murmur2)


def key_partitioner(key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
    """Kafka's default partitioner, as the Java client and aiokafka's DefaultPartitioner compute it (murmur2 of
    the key, positive, modulo the partition count), with the hash compiled: aiokafka's pure-Python murmur2 was
    about a third of the producer's send() in a profile of the relay. A key lands on the same partition either way
    (tests/unit/test_partitioner.py), so producers with and without it agree."""
    if key is None:
        return random.choice(available or all_partitions)  # noqa: S311 -- spreading load, not a secret
    return all_partitions[(murmurhash2(key, _MURMUR2_SEED) & 0x7FFFFFFF) % len(all_partitions)]


def _closed_transport_is_a_broken_connection() -> None:
    """aiokafka drops a broker connection whose socket write fails with OSError and raises KafkaConnectionError,
    which its callers retry. uvloop, which `neuguong serve` runs on, raises RuntimeError instead when the
    transport has just been closed under it (the broker went away) and aiokafka's reader has not noticed yet. In
    a consumer's group coordinator that RuntimeError ends the coordination task for good: every later fetch
    fails, and the service never consumes again (aio-libs/aiokafka#1038, open). `make faults` met it with two
    brokers down: the honors consumer's lag stayed at 22 until the run gave up. Here that RuntimeError is what
    aiokafka makes of an OSError. tests/integration/test_kafka_connection.py closes a transport under uvloop."""
    send = AIOKafkaConnection.send
    if getattr(send, "__wrapped__", None) is not None:
        return

    @functools.wraps(send)
    def send_or_broken(self: AIOKafkaConnection, request: Any, expect_response: bool = True) -> Any:
        try:
            return send(self, request, expect_response)
        except RuntimeError as error:
            if "handler is closed" not in str(error):
                raise
            self.close(reason=CloseReason.CONNECTION_BROKEN)
            raise KafkaConnectionError(f"Connection at {self.host}:{self.port} broken: {error}") from error

    AIOKafkaConnection.send = send_or_broken


_closed_transport_is_a_broken_connection()


def _ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.kafka_security_protocol not in ("SSL", "SASL_SSL"):
        return None
    return ssl.create_default_context(cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None)


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for aiokafka producers, consumers and admin clients."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_servers,
        "security_protocol": settings.kafka_security_protocol,
    }
    context = _ssl_context(settings)
    if context is not None:
        options["ssl_context"] = context
    if settings.kafka_security_protocol.startswith("SASL_"):
        options.update(
            sasl_mechanism=settings.kafka_sasl_mechanism,
            sasl_plain_username=settings.kafka_sasl_username,
            sasl_plain_password=settings.kafka_sasl_password,
        )
    return options


def broker_security(settings: Settings) -> BaseSecurity | None:
    """The same connection security for the service's FastStream broker."""
    context = _ssl_context(settings)
    if settings.kafka_security_protocol.startswith("SASL_"):
        scram = SASLScram512 if settings.kafka_sasl_mechanism == "SCRAM-SHA-512" else SASLScram256
        return scram(
            settings.kafka_sasl_username, settings.kafka_sasl_password, ssl_context=context, use_ssl=context is not None
        )
    return None if context is None else BaseSecurity(ssl_context=context)
