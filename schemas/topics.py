"""Kafka topics of the system: names, keys and how each is kept."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    """A topic as the system expects it to exist."""

    name: str
    partitions: int
    compacted: bool = False
    description: str = ""


DIRECTORY_UNITS = Topic("directory.units", 3, compacted=True, description="Org units, key = unit id")
DIRECTORY_MEMBERS = Topic("directory.members", 6, compacted=True, description="Members, key = member id")
COMMITMENTS = Topic("commitments.events", 6, description="Commitments and their reviews, key = member id")
SESSIONS = Topic("sessions.events", 6, description="Cell sessions, key = cell id")
HONORS = Topic("honors.events", 6, description="Honor roll, key = subject id")
INSPECTIONS = Topic("inspections.events", 6, description="Inspections and discipline, key = target id")
NOTIFICATIONS = Topic("notifications.events", 3, description="Publicity deliveries, key = honor id")

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
