"""Settings refuse what must never reach production, and Kafka clients connect the way they say."""

import pytest
from pydantic import ValidationError

from neuguong.runtime.kafka import broker_security, client_options
from neuguong.runtime.settings import Settings

PRODUCTION = dict(
    environment="production",
    service="honors",
    pg_password="a-real-secret",
    jwt_public_key_file="/etc/neuguong/jwt.pem",
    kafka_security_protocol="SASL_SSL",
    kafka_sasl_username="honors",
    kafka_sasl_password="scram-secret",
    public_base_url="https://neuguong.laocai.example/",
)


def test_a_complete_production_configuration_is_accepted():
    settings = Settings(**PRODUCTION)
    assert settings.pg_user == "ng_honors" and settings.consumer_group == "honors"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"pg_password": ""}, "pg_password"),  # falls back to the development password
        ({"jwt_public_key_file": None}, "jwt_public_key_file"),
        ({"kafka_security_protocol": "PLAINTEXT"}, "kafka_security_protocol"),
        ({"kafka_sasl_password": ""}, "kafka_sasl_username"),
    ],
)
def test_production_refuses_development_shortcuts(change, field):
    with pytest.raises(ValidationError, match=field):
        Settings(**{**PRODUCTION, **change})


def test_development_defaults_derive_the_role_from_the_service():
    settings = Settings(service="projections")
    assert (settings.pg_user, settings.pg_password, settings.pg_schema) == (
        "ng_projections",
        "projections-dev",
        "projections",
    )
    assert settings.topic("honors.events") == "honors.events"
    prefixed = Settings(service="projections", topic_prefix="t1.")
    assert prefixed.topic("honors.events") == "t1.honors.events" and prefixed.consumer_group == "t1.projections"
    assert prefixed.logical_topic("t1.honors.events") == "honors.events"


def test_kafka_clients_use_scram_over_tls_when_configured():
    settings = Settings(**PRODUCTION)
    options = client_options(settings)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512" and options["sasl_plain_username"] == "honors"
    assert options["ssl_context"] is not None
    security = broker_security(settings)
    assert security.use_ssl and security.username == "honors"
    plain = Settings(service="honors")
    assert client_options(plain) == {"bootstrap_servers": [plain.kafka_bootstrap], "security_protocol": "PLAINTEXT"}
    cluster = Settings(kafka_bootstrap="10.0.0.1:9092, 10.0.0.2:9092,10.0.0.3:9092")
    assert client_options(cluster)["bootstrap_servers"] == ["10.0.0.1:9092", "10.0.0.2:9092", "10.0.0.3:9092"]
    assert broker_security(plain) is None
