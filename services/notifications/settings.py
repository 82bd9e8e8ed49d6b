"""Settings of the delivery worker (prefix NG_NOTIFY_), read once when the service starts."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DeliverySettings(BaseSettings):
    """How deliveries are sent, retried, dead-lettered and paused; every field maps to NG_NOTIFY_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="NG_NOTIFY_", extra="ignore")

    worker_enabled: bool = True
    max_attempts: int = Field(default=8, ge=1, description="attempts of one round before the dead letter")
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_cap_seconds: float = Field(default=900.0, gt=0)
    retry_after_cap_seconds: float = Field(default=3600.0, gt=0, description="a longer Retry-After is cut")
    request_timeout_seconds: float = Field(default=10.0, gt=0)
    breaker_threshold: int = Field(default=5, ge=1, description="consecutive failures that pause a channel")
    breaker_cooldown_seconds: float = Field(default=60.0, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0, description="fallback when no NOTIFY wakes the worker")
    claim_batch: int = Field(default=100, ge=1)
    channels_in_flight: int = Field(default=16, ge=1)
    feed_page_size: int = Field(default=50, ge=1, le=500)

    @property
    def lease_seconds(self) -> float:
        """How long a claimed delivery stays invisible to other replicas (one request plus margin)."""
        return self.request_timeout_seconds + 30.0
