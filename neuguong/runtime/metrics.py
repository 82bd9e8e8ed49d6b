"""Prometheus metrics of the runtime, one registry per service process."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds; a command is one transaction (tens of milliseconds), a read-model query or a feed up to seconds."""

GROUP_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


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
        self.outbox_parked = Gauge(
            "neuguong_outbox_parked",
            "Outbox rows the broker refuses for good, set aside (with the later rows of their key) for an operator",
            ["service"],
            registry=registry,
        )
        self.relay_fenced = Counter(
            "neuguong_relay_fenced",
            "Marks refused because another relay started a later leadership term",
            ["service"],
            registry=registry,
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
        self.command_group_size = Histogram(
            "neuguong_command_group_size",
            "Requests of a grouped command run in one transaction (runtime.grouping)",
            ["service", "command"],
            buckets=GROUP_BUCKETS,
            registry=registry,
        )
        self.system_errors = Counter(
            "neuguong_system_errors", "Errors the system caused (5xx)", ["service"], registry=registry
        )
        self.http_duration = Histogram(
            "neuguong_http_request_duration_seconds",
            "HTTP requests by route template, method and status, from the first byte read to the last sent",
            ["service", "method", "route", "status"],
            buckets=HTTP_BUCKETS,
            registry=registry,
        )
        self.ready = Gauge(
            "neuguong_ready",
            "Readiness checks of the service as /readyz answers them (1 passes, 0 fails)",
            ["service", "check"],
            registry=registry,
        )
