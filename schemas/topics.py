"""Kafka topics of the system: names, keys and how each is kept."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """A topic as the system expects it to exist."""

    name: str
    partitions: int
    compacted: bool = False
    description: str = ""
    owner: str = ""


DIRECTORY_UNITS = Topic(
    "directory.units", 3, compacted=True, description="Org units, key = unit id", owner="directory-import"
)
DIRECTORY_MEMBERS = Topic(
    "directory.members", 6, compacted=True, description="Members, key = member id", owner="directory-import"
)
COMMITMENTS = Topic(
    "commitments.events", 6, description="Commitments and their reviews, key = member id", owner="commitments"
)
SESSIONS = Topic("sessions.events", 6, description="Cell sessions, key = cell id", owner="commitments")
HONORS = Topic("honors.events", 6, description="Honor roll, key = subject id", owner="honors")
INSPECTIONS = Topic(
    "inspections.events", 6, description="Inspections and discipline, key = target id", owner="inspections"
)
NOTIFICATIONS = Topic(
    "notifications.events", 3, description="Publicity deliveries, key = honor id", owner="notifications"
)

ALL_TOPICS: tuple[Topic, ...] = (
    DIRECTORY_UNITS,
    DIRECTORY_MEMBERS,
    COMMITMENTS,
    SESSIONS,
    HONORS,
    INSPECTIONS,
    NOTIFICATIONS,
)


def dead_letter_topic(group: str) -> Topic:
    """Where a consumer group parks the events it could not process."""
    return Topic(f"{group}.dlq", 1, description=f"Dead letters of consumer group {group}")
