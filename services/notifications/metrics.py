"""Prometheus metrics of the delivery worker, on the service's registry."""

from prometheus_client import CollectorRegistry, Counter, Gauge

BREAKER_VALUES = {"closed": 0, "half_open": 1, "open": 2}


class DeliveryMetrics:
    """Attempts by outcome, dead letters, and each channel's breaker state."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter(
            "neuguong_delivery_attempts", "Delivery attempts by kind and outcome (sent, retried, dead_lettered)",
            ["kind", "outcome"], registry=registry,
        )
        self.dead_letters = Counter(
            "neuguong_delivery_dead_letters", "Deliveries dead-lettered after their last attempt",
            ["channel"], registry=registry,
        )
        self.cancelled = Counter(
            "neuguong_delivery_cancelled", "Deliveries cancelled because their honor was revoked",
            registry=registry,
        )
        self.breaker = Gauge(
            "neuguong_channel_breaker_state", "Circuit breaker of a channel: 0 closed, 1 half-open, 2 open",
            ["channel"], registry=registry,
        )
        self.backlog = Gauge(
            "neuguong_delivery_backlog", "Deliveries waiting to be sent", registry=registry,
        )

    def breaker_is(self, channel_id: str, state: str) -> None:
        """Record a channel's breaker state."""
        self.breaker.labels(channel_id).set(BREAKER_VALUES[state])
