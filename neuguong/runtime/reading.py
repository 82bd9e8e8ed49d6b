"""How a consumer reads records: each topic's batch typed by the whole events its service handles there.

The type a subscriber declares is what FastStream validates each record against and what the AsyncAPI
document shows, so the document is the running code. Reading never fails a batch inside the framework:
a record that is no event becomes an `Unreadable` marker, which the consumer dead-letters.
"""

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, cast

from aiokafka import ConsumerRecord
from faststream.kafka.message import FAKE_CONSUMER, ConsumerProtocol, KafkaAckableMessage, KafkaMessage
from pydantic import (
    Field,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import CoreSchema

from schemas import EVENT_TYPES, Envelope, Event, EventDecodeError, decode, read_payload
from schemas.export import whole_event_model


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A record that is not an event envelope, and why (dead-lettered, never applied)."""

    error: EventDecodeError


@functools.cache
def whole_event(model: type[Event]) -> type[Envelope]:
    """The envelope with this typed payload (one class per event model, shared by every subscriber)."""
    return whole_event_model(model)


def payload_of(envelope: Envelope) -> Event:
    """The typed event in an envelope read by a TopicReader; a plain envelope's is read (and upcast) now."""
    payload: Any = envelope.payload
    return payload if isinstance(payload, Event) else read_payload(envelope)


def read_envelope(raw: bytes) -> Envelope | Unreadable:
    """A record as a plain envelope (its payload still a dict), or why it is none."""
    try:
        return decode(raw)
    except EventDecodeError as error:
        return Unreadable(error)


class _OneEventPerRecord:
    """Kafka carries one event per record: a batch is documented by its records' type, not as an array."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        record = handler(schema["items_schema"])  # the schema of a list
        # FastStream's AsyncAPI inlines a parameter that is a bare $ref as the first $def it holds.
        return {"oneOf": [record]} if "$ref" in record else record


class TopicReader:
    """Reads the records of one topic: the types handled there, at their current version, into whole typed
    events; any other envelope (a type not handled here, an older version to upcast) into a plain one."""

    def __init__(self, event_types: Iterable[str]) -> None:
        self.event_types = sorted(event_types)
        models = tuple(whole_event(EVENT_TYPES[t]) for t in self.event_types)
        self._handled: Any = None
        if len(models) > 1:
            # A tag lookup, not one try per type; the Union is built at run time from the table.
            self._handled = Annotated[Union[models], Field(discriminator="event_type")]  # noqa: UP007
        elif models:
            self._handled = models[0]
        # One JSON parse: the handled types first, then the plain envelope on the same parsed value.
        read_as: Any = (
            Envelope
            if self._handled is None
            else Annotated[self._handled | Envelope, Field(union_mode="left_to_right")]
        )
        self._adapter: TypeAdapter[Any] = TypeAdapter(read_as)

    def read(self, raw: bytes) -> Envelope | Unreadable:
        """One record: a whole typed event, a plain envelope, or why it is neither."""
        try:
            return self._adapter.validate_json(raw)
        except ValidationError:
            return read_envelope(raw)  # not an envelope at all: decode says why, as it always has

    def _validate(self, value: Any, handler: ValidatorFunctionWrapHandler) -> Envelope | Unreadable:
        if isinstance(value, bytes):
            return self.read(value)
        return handler(value)  # an event already built in Python: the declared type decides

    @property
    def batch(self) -> Any:
        """The annotation of a batch of this topic: a list of the whole events handled there (one type at least)."""
        handled = self._handled
        return Annotated[list[Annotated[handled, WrapValidator(self._validate)]], _OneEventPerRecord()]  # type: ignore[valid-type]


def batch_parser(consumer_of: Callable[[], ConsumerProtocol | None]) -> Callable[..., Any]:
    """FastStream's message for a batch, without reading headers: a header that is not UTF-8 belongs to
    its record (kept for a dead letter), it must not stop the partition in the framework's parser."""

    async def parse(records: Sequence[ConsumerRecord]) -> KafkaMessage:
        records = tuple(records)  # TestKafkaBroker hands a list; nack() rewinds a tuple's partitions
        first, last = records[0], records[-1]
        return KafkaAckableMessage(
            raw_message=records,
            body=[r.value or b"" for r in records],
            message_id=f"{first.offset}-{last.offset}-{first.timestamp}",
            consumer=consumer_of() or FAKE_CONSUMER,
        )

    return parse


async def record_values(message: KafkaMessage) -> list[bytes]:
    """The bytes of each record: the batch's declared type reads them, once."""
    return cast("list[bytes]", message.body)
