"""Events of services/notifications: what happened to the publicity of an honor on each channel."""

from typing import ClassVar, Literal

from pydantic import Field

from schemas.envelope import Event
from schemas.honors import HonorLevel
from schemas.text import Identifier, OptionalText, Period
from schemas.topics import NOTIFICATIONS

ChannelKind = Literal["portal", "fanpage"]
DeliveryKind = Literal["publish", "retract"]


class DeliveryEvent(Event):
    """Base of delivery events; the Kafka key is the honor id, so an honor's publicity stays in order."""

    topic: ClassVar[str] = NOTIFICATIONS.name
    key_field: ClassVar[str] = "honor_id"

    delivery_id: Identifier
    honor_id: Identifier
    channel_id: Identifier
    channel_kind: ChannelKind
    level: HonorLevel
    period: Period
    attempts: int = Field(ge=1, description="attempts it took (this round)")


class PublicityDelivered(DeliveryEvent):
    """A channel acknowledged (2xx) the publication of an honor."""

    event_type: ClassVar[str] = "PublicityDelivered"


class PublicityRetracted(DeliveryEvent):
    """A channel acknowledged the retraction of a revoked honor (2xx, or 404/410: it did not have it)."""

    event_type: ClassVar[str] = "PublicityRetracted"


class DeliveryDeadLettered(DeliveryEvent):
    """A delivery failed its last attempt; an operator may retry it (`neuguong deliveries retry`)."""

    event_type: ClassVar[str] = "DeliveryDeadLettered"

    kind: DeliveryKind
    last_status: int | None = None
    last_error: OptionalText = ""
