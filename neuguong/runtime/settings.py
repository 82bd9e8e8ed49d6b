"""Configuration read once from the environment (prefix NG_)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_PASSWORD_SUFFIX = "-dev"


class Settings(BaseSettings):
    """What one service process needs to run; every field maps to NG_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="NG_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    service: str = Field(default="", description="service name: schema, consumer group, producer")
    kafka_bootstrap: str = "127.0.0.1:29092"
    kafka_replication: int = 1
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = ""
    kafka_ssl_cafile: Path | None = None
    topic_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9._-]*$")
    pg_host: str = "127.0.0.1"
    pg_port: int = 25432
    pg_database: str = "neuguong"
    pg_user: str = ""
    pg_password: str = ""
    pg_pool_max: int = 10
    http_host: str = "127.0.0.1"
    http_port: int = 8100
    jwt_public_key_file: Path | None = None
    jwt_issuer: str = "neuguong"
    jwt_audience: str = "neuguong"
    relay_poll_seconds: float = 1.0
    relay_batch_size: int = 500
    outbox_retention_seconds: float = 7 * 24 * 3600
    consumer_batch_size: int = 500
    consumer_max_attempts: int = 3
    consumer_retry_backoff_seconds: float = 0.2
    lag_interval_seconds: float = 5.0
    max_body_bytes: int = 256 * 1024
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> "Settings":
        if self.service:
            self.pg_user = self.pg_user or f"ng_{self.service}"
            self.pg_password = self.pg_password or f"{self.service}{DEV_PASSWORD_SUFFIX}"
        if self.environment == "production":
            if self.pg_password.endswith(DEV_PASSWORD_SUFFIX):
                raise ValueError("pg_password: the development password is refused in production")
            if self.jwt_public_key_file is None:
                raise ValueError("jwt_public_key_file: required in production")
            if self.kafka_security_protocol != "SASL_SSL":
                raise ValueError("kafka_security_protocol: production Kafka is SASL_SSL (SCRAM over TLS)")
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError("kafka_sasl_username: SASL needs a username and a password")
        return self

    @property
    def kafka_servers(self) -> list[str]:
        """The bootstrap servers as a list (NG_KAFKA_BOOTSTRAP is comma-separated)."""
        return [server.strip() for server in self.kafka_bootstrap.split(",") if server.strip()]

    @property
    def schema(self) -> str:
        """The service's own Postgres schema (its role owns it and nothing else)."""
        return self.service

    @property
    def consumer_group(self) -> str:
        """The Kafka consumer group of this service."""
        return f"{self.topic_prefix}{self.service}"

    def topic(self, name: str) -> str:
        """The physical topic name of a logical one (a prefix isolates test runs on one broker)."""
        return f"{self.topic_prefix}{name}"

    def logical_topic(self, physical: str) -> str:
        """The logical topic name of a physical one."""
        return physical.removeprefix(self.topic_prefix)
