"""Configuration read once from the environment (prefix NG_)."""

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_PASSWORD_SUFFIX = "-dev"  # noqa: S105 - the mark of a development password, refused in production
RECORD_ALLOWANCE = 16 * 1024
"""What a Kafka record needs beyond its event's bytes: key, headers, record and batch framing (generous)."""


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
    jwt_max_lifetime_seconds: int = Field(
        default=24 * 3600, ge=60, description="a token valid for longer than this from now is refused"
    )
    public_base_url: str = Field(
        default="",
        description="where the public reaches the system (https://host[/prefix]): every absolute link starts "
        "with it, never with the request's Host; required in production",
    )
    operations_port: int | None = Field(
        default=None, description="when set, /metrics and /docs answer only on this port, not on http_port"
    )
    relay_poll_seconds: float = 1.0
    relay_batch_size: int = 500
    relay_linger_ms: int = Field(
        default=0,
        ge=0,
        description="how long the relay's producer holds a record for more to join its batch; the relay queues "
        "a whole outbox batch before waiting for acks, so waiting buys nothing but latency",
    )
    relay_lease_seconds: float = Field(
        default=10.0, gt=0, description="a paused or dead relay leader's database session ends within this"
    )
    outbox_retention_seconds: float = 7 * 24 * 3600
    idempotency_retention_seconds: float = Field(
        default=30 * 24 * 3600, gt=0, description="how long a command's answer is replayed for its Idempotency-Key"
    )
    max_event_bytes: int = Field(default=512 * 1024, gt=0, description="the largest encoded event a command may stage")
    topic_max_message_bytes: int = Field(
        default=1024 * 1024, gt=0, description="max.message.bytes written on every topic the services create"
    )
    command_groups_in_flight: int = Field(
        default=2,
        ge=1,
        description="transactions a process runs at once for one grouped command (runtime.grouping); requests "
        "arriving while all are busy wait and run together in the next",
    )
    command_group_max: int = Field(default=100, ge=1, description="the most requests of one group")
    command_group_lock_timeout_ms: int = Field(
        default=100,
        ge=1,
        description="a group waiting longer for a lock another transaction holds runs its requests one per "
        "transaction instead",
    )
    consumer_batch_size: int = 500
    consumer_write_lanes: int = Field(
        default=2,
        ge=1,
        description="transactions a consumer writes one batch in at once, its record keys split among them "
        "(1: a batch in one)",
    )
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
        self.public_base_url = _base_url(self.public_base_url)
        if self.environment == "production":
            if not self.public_base_url.startswith("https://"):
                raise ValueError("public_base_url: production links need the public https:// address")
            if self.pg_password.endswith(DEV_PASSWORD_SUFFIX):
                raise ValueError("pg_password: the development password is refused in production")
            if self.jwt_public_key_file is None:
                raise ValueError("jwt_public_key_file: required in production")
            if self.kafka_security_protocol != "SASL_SSL":
                raise ValueError("kafka_security_protocol: production Kafka is SASL_SSL (SCRAM over TLS)")
        if self.max_event_bytes + RECORD_ALLOWANCE > self.topic_max_message_bytes:
            raise ValueError(
                f"max_event_bytes: must stay {RECORD_ALLOWANCE} bytes below topic_max_message_bytes "
                f"({self.topic_max_message_bytes}), room for the record's key, headers and batch framing"
            )
        if self.relay_poll_seconds >= self.relay_lease_seconds / 2:
            raise ValueError("relay_poll_seconds: must be under half of relay_lease_seconds (a waiting relay polls)")
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError("kafka_sasl_username: SASL needs a username and a password")
        return self

    def public_url(self, path: str) -> str:
        """The absolute link to `path` (which starts with /) as the public reaches it."""
        return f"{self.public_base_url or f'http://{self.http_host}:{self.http_port}'}{path}"

    @property
    def kafka_servers(self) -> list[str]:
        """The bootstrap servers as a list (NG_KAFKA_BOOTSTRAP is comma-separated)."""
        return [server.strip() for server in self.kafka_bootstrap.split(",") if server.strip()]

    @property
    def relay_record_batch_bytes(self) -> int:
        """How many bytes the relay's producer packs into one record batch of a partition. aiokafka keeps one
        request in flight per broker, a batch per partition in it: at its default (16 KiB) an outbox batch of
        500 events took several round trips one after another. 256 KiB holds a batch's share of a partition,
        and stays under the topics' max.message.bytes (a record larger than it still goes, alone)."""
        return max(16 * 1024, min(256 * 1024, self.topic_max_message_bytes - RECORD_ALLOWANCE))

    @property
    def pg_schema(self) -> str:
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


def _base_url(value: str) -> str:
    """An absolute http(s) origin with an optional path prefix, without a trailing slash."""
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError("public_base_url: expected https://host or https://host/prefix, without query or fragment")
    return value.rstrip("/")
