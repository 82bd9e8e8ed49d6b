"""Prometheus metrics of the runtime, one registry per service process."""

from prometheus_client import CollectorRegistry, Counter, Gauge


class RuntimeMetrics:
    """Outbox, consumer and command metrics; services add their own to the same registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.outbox_backlog = Gauge(
            "neuguong_outbox_backlog", "Outbox rows not yet published", ["service"], registry=registry
        )
        self.outbox_oldest_age = Gauge(
            "neuguong_outbox_oldest_age_seconds",
            "Age of the oldest unpublished outbox row",
            ["service"],
            registry=registry,
        )
        self.outbox_published = Counter(
            "neuguong_outbox_published", "Outbox rows published", ["service"], registry=registry
        )
        self.relay_errors = Counter(
            "neuguong_relay_errors", "Relay failures (it restarts after each)", ["service"], registry=registry
        )
        self.relay_heartbeat = Gauge(
            "neuguong_relay_heartbeat_timestamp_seconds",
            "When the active relay last checked the outbox",
            ["service"],
            registry=registry,
        )
        self.events_consumed = Counter(
            "neuguong_events_consumed",
            "Events read by consumers, by outcome (applied, duplicate, ignored, dead_lettered)",
            ["group", "event_type", "outcome"],
            registry=registry,
        )
        self.handler_failures = Counter(
            "neuguong_handler_failures", "Failed attempts to apply an event", ["group"], registry=registry
        )
        self.consumer_lag = Gauge(
            "neuguong_consumer_lag_messages",
            "Messages behind the end of each partition",
            ["group", "topic", "partition"],
            registry=registry,
        )
        self.consumer_lag_seconds = Gauge(
            "neuguong_consumer_lag_seconds",
            "Age of the newest event applied while the group still has a backlog (0 when caught up)",
            ["group"],
            registry=registry,
        )
        self.commands = Counter(
            "neuguong_commands", "HTTP commands by outcome", ["service", "command", "status"], registry=registry
        )
        self.system_errors = Counter(
            "neuguong_system_errors", "Errors the system caused (5xx)", ["service"], registry=registry
        )
