"""How every Kafka client of the system connects: bootstrap servers and, in production, SASL/SCRAM over TLS."""

import ssl
from typing import Any

from faststream.security import BaseSecurity, SASLScram256, SASLScram512

from neuguong.runtime.settings import Settings


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
