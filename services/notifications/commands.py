"""The commands of services/notifications, as clients send them (an HTTP body, plus the ids its path names).

A secret is never part of what an Idempotency-Key is bound to: the fingerprint carries its hash."""

import hashlib
from typing import Any, Literal
from uuid import UUID

from pydantic import Field, HttpUrl, SecretStr

from neuguong.runtime.input import Command, InputDate, InputSecret, InputText
from schemas.honors import HonorLevel
from schemas.text import Identifier


def secret_sha256(secret: SecretStr | None) -> str | None:
    """What idempotency compares of a secret: its hash, never the secret."""
    return hashlib.sha256(secret.get_secret_value().encode()).hexdigest() if secret else None


class WithSecret(Command):
    """A command carrying a channel secret: fingerprinted by the secret's hash."""

    secret: SecretStr | None

    def fingerprint(self) -> Any:
        """The command without its secret, plus the secret's hash."""
        return {**self.model_dump(mode="json", exclude={"secret"}), "secret_sha256": secret_sha256(self.secret)}


class RegisterChannel(WithSecret):
    """Command: a portal or fanpage endpoint that follows a unit's subtree from a minimum level up."""

    channel_id: Identifier
    kind: Literal["portal", "fanpage"]
    name: InputText
    url: HttpUrl
    secret: InputSecret = Field(min_length=16, max_length=256, description="shared HMAC secret; never read back")
    unit_id: Identifier
    min_level: HonorLevel = "cell"


class ChangeChannelBody(WithSecret):
    """A change of a channel; only the fields given change.

    A new `secret` takes effect at once, and the one it replaces keeps signing beside it for
    `previous_secret_valid_hours` (deliveries carry both signatures), so the receiver can switch at any
    moment of that window. A channel switched off (`enabled: false`) gets no new publications and holds
    its pending ones until it is switched on again; retractions still go out.
    """

    name: InputText | None = None
    url: HttpUrl | None = None
    min_level: HonorLevel | None = None
    enabled: bool | None = None
    secret: InputSecret | None = Field(None, min_length=16, max_length=256, description="the new shared HMAC secret")
    previous_secret_valid_hours: int | None = Field(
        None, ge=0, le=168, description="how long the replaced secret still signs (default 24)"
    )

    def given(self) -> set[str]:
        """The fields that change (those sent with a value)."""
        return {name for name in type(self).model_fields if name != "channel_id" and getattr(self, name) is not None}


class ChangeChannel(ChangeChannelBody):
    """Command: rename, move, switch off or on, or rotate the secret of a channel."""

    channel_id: Identifier


class BackfillChannelBody(Command):
    """From which day the honors already on the roll are sent."""

    recorded_since: InputDate = Field(description="the first day (Vietnam time) of the honors to send")


class BackfillChannel(BackfillChannelBody):
    """Command: send a channel the honors already on the roll that it follows, recorded since a day."""

    channel_id: Identifier


class RetryDeliveries(Command):
    """Command: dead-lettered deliveries back to pending (all, some ids, or one channel's)."""

    delivery_ids: list[UUID] | None = Field(default=None, max_length=10000)
    channel_id: Identifier | None = None
