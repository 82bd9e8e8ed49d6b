"""The one envelope every event travels in (DESIGN.md §3)."""

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from schemas.ids import uuid7
from schemas.text import Identifier


class Event(BaseModel):
    """Base of every event payload; subclasses name their type, version, topic and key."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    topic: ClassVar[str]
    key_field: ClassVar[str]

    def key(self) -> str:
        """The Kafka key: the aggregate id, so one aggregate's events stay in order."""
        return str(getattr(self, self.key_field))


class Envelope(BaseModel):
    """Metadata shared by all events; `payload` holds the event's own fields."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: UUID
    event_type: str = Field(min_length=1)
    version: int = Field(ge=1)
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime
    producer: str = Field(min_length=1)
    correlation_id: str = Field(min_length=1)
    causation_id: str | None = None
    actor: str = Field(min_length=1)
    unit_path: list[Identifier] = Field(default_factory=list)
    payload: dict[str, Any]


class EventDecodeError(ValueError):
    """Raised when bytes from the bus are not a readable event."""


def wrap(
    event: Event,
    *,
    producer: str,
    actor: str,
    unit_path: list[str],
    correlation_id: str,
    causation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Put an event in a new envelope with a fresh UUIDv7."""
    now = datetime.now(UTC)
    return Envelope(
        event_id=uuid7(),
        event_type=event.event_type,
        version=event.version,
        occurred_at=occurred_at or now,
        recorded_at=now,
        producer=producer,
        correlation_id=correlation_id,
        causation_id=causation_id,
        actor=actor,
        unit_path=unit_path,
        payload=event.model_dump(mode="json"),
    )


def encode(envelope: Envelope) -> bytes:
    """The bytes written to Kafka (UTF-8 JSON, non-ASCII kept readable)."""
    return envelope.model_dump_json().encode("utf-8")


def decode(raw: bytes | str) -> Envelope:
    """Read an envelope from the bus, or raise EventDecodeError saying why."""
    try:
        return Envelope.model_validate_json(raw)
    except ValidationError as error:
        raise EventDecodeError(f"not an event envelope: {_first_error(error)}") from error


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(body)"
    return f"{where}: {first['msg']}"
