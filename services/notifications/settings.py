"""Settings of the delivery worker (prefix NG_NOTIFY_), read once when the service starts."""

from typing import Annotated, Any

from pydantic import Field, IPvAnyNetwork, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class DeliverySettings(BaseSettings):
    """How deliveries are sent, retried, dead-lettered and paused; every field maps to NG_NOTIFY_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="NG_NOTIFY_", extra="ignore")

    worker_enabled: bool = True
    max_attempts: int = Field(default=8, ge=1, description="attempts of one round before the dead letter")
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_cap_seconds: float = Field(default=900.0, gt=0)
    retry_after_cap_seconds: float = Field(default=3600.0, gt=0, description="a longer Retry-After is cut")
    request_timeout_seconds: float = Field(default=10.0, gt=0, description="the whole exchange, answer included")
    response_limit_bytes: int = Field(
        default=4096, ge=256, le=1 << 20, description="what is read of a receiver's answer at most; the rest is not"
    )
    allowed_networks: Annotated[list[IPvAnyNetwork] | None, NoDecode] = Field(
        default=None,
        description="networks channels may reach beyond the public internet (comma-separated, e.g. "
        "10.20.0.0/16 for a portal inside the province's network; empty: none); unset: loopback "
        "(127.0.0.0/8, ::1) in development and test, none in production",
    )
    breaker_threshold: int = Field(default=5, ge=1, description="consecutive failures that pause a channel")
    breaker_cooldown_seconds: float = Field(default=60.0, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0, description="fallback when no NOTIFY wakes the worker")
    claim_batch: int = Field(default=100, ge=1)
    channels_in_flight: int = Field(default=16, ge=1)

    @field_validator("allowed_networks", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def lease_seconds(self) -> float:
        """How long a claimed delivery stays invisible to other replicas (one request plus margin)."""
        return self.request_timeout_seconds + 30.0
