"""Prometheus metrics of the delivery worker, on the service's registry."""

from prometheus_client import CollectorRegistry, Counter, Gauge

BREAKER_VALUES = {"closed": 0, "half_open": 1, "open": 2}
DELIVERY_KINDS = ("publish", "retract")
ATTEMPT_OUTCOMES = ("sent", "retried", "dead_lettered")


class DeliveryMetrics:
    """Attempts by outcome, dead letters, lost leases, and each channel's breaker state."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter(
            "neuguong_delivery_attempts",
            "Delivery attempts by kind and outcome (sent, retried, dead_lettered)",
            ["kind", "outcome"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "neuguong_delivery_dead_letters",
            "Deliveries dead-lettered after their last attempt",
            ["channel"],
            registry=registry,
        )
        self.cancelled = Counter(
            "neuguong_delivery_cancelled",
            "Deliveries cancelled because their honor was revoked",
            registry=registry,
        )
        self.lease_lost = Counter(
            "neuguong_delivery_lease_lost",
            "Claims that ran out before their worker used them (another replica had reclaimed the delivery): "
            "at=attempt, not sent; at=settle, sent but its result dropped (nothing settled, no event)",
            ["kind", "at"],
            registry=registry,
        )
        self.breaker = Gauge(
            "neuguong_channel_breaker_state",
            "Circuit breaker of a channel: 0 closed, 1 half-open, 2 open",
            ["channel"],
            registry=registry,
        )
        self.backlog = Gauge(
            "neuguong_delivery_backlog",
            "Deliveries waiting to be sent",
            registry=registry,
        )

        for kind in DELIVERY_KINDS:  # every outcome at 0 from the start, so the first failure is an increase
            for outcome in ATTEMPT_OUTCOMES:
                self.attempts.labels(kind, outcome)

    def breaker_is(self, channel_id: str, state: str) -> None:
        """Record a channel's breaker state."""
        self.breaker.labels(channel_id).set(BREAKER_VALUES[state])
