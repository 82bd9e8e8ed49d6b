"""How channels and deliveries are shown in HTTP answers (a secret never is)."""

from datetime import datetime
from typing import Any, Literal

import asyncpg
from pydantic import ConfigDict, Field

from neuguong.runtime.answers import AnswerModel
from schemas.honors import HonorLevel
from services.notifications import logic


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def channel_view(row: asyncpg.Record, now: datetime) -> dict:
    """A channel as reads show it at `now`: no secret, the replaced secret's window while it is open."""
    return {
        "channel_id": row["channel_id"],
        "kind": row["kind"],
        "name": row["name"],
        "url": row["url"],
        "unit_id": row["unit_id"],
        "min_level": row["min_level"],
        "enabled": row["enabled"],
        "created_by": row["created_by"],
        "created_at": row["created_at"].isoformat(),
        "updated_by": row["updated_by"],
        "updated_at": _iso(row["updated_at"]),
        "previous_secret_valid_until": _iso(logic.still_open(row["previous_secret_expires_at"], now)),
        "consecutive_failures": row["consecutive_failures"],
        "paused_until": _iso(row["paused_until"]),
    }


def delivery_view(row: asyncpg.Record) -> dict:
    """A delivery as operators see it: state, attempts, last error, next attempt while pending."""
    return {
        "delivery_id": str(row["delivery_id"]),
        "channel_id": row["channel_id"],
        "honor_id": row["honor_id"],
        "kind": row["kind"],
        "state": row["state"],
        "attempts": row["attempts"],
        "total_attempts": row["total_attempts"],
        "last_status": row["last_status"],
        "last_error": row["last_error"],
        "created_at": _iso(row["created_at"]),
        "next_attempt_at": _iso(row["next_attempt_at"]) if row["state"] == "pending" else None,
        "settled_at": _iso(row["settled_at"]),
    }


class Channel(AnswerModel):
    """A channel as reads show it: no secret; the replaced secret's window while it is open."""

    channel_id: str
    kind: Literal["portal", "fanpage"]
    name: str
    url: str
    unit_id: str
    min_level: HonorLevel
    enabled: bool
    created_by: str
    created_at: str
    updated_by: str | None
    updated_at: str | None
    previous_secret_valid_until: str | None
    consecutive_failures: int
    paused_until: str | None


class ChannelList(AnswerModel):
    """Channels following units of a subtree."""

    unit_id: str
    channels: list[Channel]


class Backfill(AnswerModel):
    """What a backfill queued; while `more` is true, send the request again (with a new key)."""

    channel_id: str
    recorded_since: str
    queued: int
    more: bool


class Delivery(AnswerModel):
    """A delivery as operators see it."""

    delivery_id: str
    channel_id: str
    honor_id: str
    kind: Literal["publish", "retract"]
    state: Literal["pending", "sent", "dead", "cancelled"]
    attempts: int
    total_attempts: int
    last_status: int | None
    last_error: str | None
    created_at: str | None
    next_attempt_at: str | None
    settled_at: str | None


class DeliveryList(AnswerModel):
    """Deliveries, newest first."""

    deliveries: list[Delivery]


class Retried(AnswerModel):
    """The deliveries sent again."""

    retried: list[str]


class FeedItemExtension(AnswerModel):
    """Nêu Gương's extension of a feed item: its change cursor, and the honor (or `deleted` for a tombstone)."""

    model_config = ConfigDict(extra="allow")

    cursor: str
    deleted: bool | None = None
    honor: dict[str, Any] | None = Field(None, description="the allow-listed public view of the honor")


class FeedItem(AnswerModel):
    """A JSON Feed 1.1 item: an honoree, or a tombstone of a revoked honor (`_neuguong.deleted`)."""

    id: str
    date_modified: str
    content_text: str
    url: str | None = None
    title: str | None = None
    date_published: str | None = None
    tags: list[str] | None = None
    neuguong: FeedItemExtension = Field(alias="_neuguong")


class FeedExtension(AnswerModel):
    """Nêu Gương's extension of a feed: the cursor to pass as `since` for the changes after this page."""

    cursor: str


class JsonFeed(AnswerModel):
    """A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/), newest change first."""

    version: str
    title: str
    home_page_url: str
    feed_url: str
    language: str
    items: list[FeedItem]
    next_url: str | None = None
    neuguong: FeedExtension = Field(alias="_neuguong")
