"""Pull feeds of the honor roll: JSON Feed 1.1 and Atom 1.0, with tombstones for revoked honors.

Tombstones: Atom uses RFC 6721 (`<at:deleted-entry ref="urn:neuguong:honor:ID" when="…"/>`); JSON Feed
has no tombstone, so a revoked honor is an item with the same id, a neutral text and the extension
`"_neuguong": {"deleted": true}` (JSON Feed 1.1 allows extensions whose names start with "_").
Every entry carries its change cursor; a feed carries the newest one (`_neuguong.cursor`, `<ng:cursor>`)
to pass as `since` next time.
"""

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from services.notifications.privacy import display_name, level_label, period_label, public_honor

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ATOM = "http://www.w3.org/2005/Atom"
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"
NG = "urn:neuguong:feed"
TAKEN_DOWN = "Mục này đã được gỡ khỏi sổ ghi danh."
NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What XML 1.0 cannot carry (C0 controls, surrogates, U+FFFE/U+FFFF) and the C1 controls it discourages."""
ET.register_namespace("", ATOM)
ET.register_namespace("at", TOMBSTONES)
ET.register_namespace("ng", NG)


def entry_id(honor_id: str) -> str:
    """The stable id of an honor in every feed, kept by its tombstone."""
    return f"urn:neuguong:honor:{honor_id}"


def entry_title(view: dict[str, Any]) -> str:
    """One line: who, at which level, for which period."""
    return f"{display_name(view)} — {level_label(view['level'])}, {period_label(view['period'])}"


def entry_text(view: dict[str, Any]) -> str:
    """The deed and where it was recognised."""
    where = ", ".join(p for p in (view["unit"], view["commune"]) if p)
    return f"{view['deed']} ({where}; {view['approved_by']} ghi danh)"


def json_feed(
    title: str, home: str, feed_url: str, rows: Sequence[Any], cursor: str, next_url: str | None
) -> dict[str, Any]:
    """A JSON Feed 1.1 document, newest change first."""
    items = []
    for row in rows:
        base = {"id": entry_id(row["honor_id"]), "date_modified": row["changed_at"].isoformat()}
        if row["revoked_at"] is not None:
            items.append(
                {**base, "content_text": TAKEN_DOWN, "_neuguong": {"deleted": True, "cursor": str(row["change_seq"])}}
            )
            continue
        view = public_honor(row)
        items.append(
            {
                **base,
                "url": f"{home}#{row['honor_id']}",
                "title": entry_title(view),
                "content_text": entry_text(view),
                "date_published": view["recorded_at"],
                "tags": [level_label(view["level"]), period_label(view["period"])],
                "_neuguong": {"cursor": str(row["change_seq"]), "honor": view},
            }
        )
    feed = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": home,
        "feed_url": feed_url,
        "language": "vi",
        "items": items,
        "_neuguong": {"cursor": cursor},
    }
    if next_url:
        feed["next_url"] = next_url
    return feed


def atom_feed(
    title: str,
    home: str,
    feed_url: str,
    feed_id: str,
    rows: Sequence[Any],
    cursor: str,
    next_url: str | None,
    *,
    now: datetime | None = None,
) -> bytes:
    """An Atom 1.0 document with RFC 6721 tombstones, newest change first; an empty one was updated `now`."""
    root = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "vi"})
    _text(root, "id", feed_id)
    _text(root, "title", title)
    _text(root, "updated", _stamp(max((r["changed_at"] for r in rows), default=now or datetime.now(UTC))))
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    _text(author, "name", "Nêu Gương — Sổ ghi danh")
    ET.SubElement(root, f"{{{ATOM}}}link", {"rel": "self", "href": feed_url, "type": "application/atom+xml"})
    ET.SubElement(root, f"{{{ATOM}}}link", {"rel": "alternate", "href": home, "type": "text/html"})
    if next_url:
        ET.SubElement(root, f"{{{ATOM}}}link", {"rel": "next", "href": next_url})
    ET.SubElement(root, f"{{{NG}}}cursor").text = cursor
    for row in rows:
        if row["revoked_at"] is not None:
            ET.SubElement(
                root,
                f"{{{TOMBSTONES}}}deleted-entry",
                {"ref": entry_id(row["honor_id"]), "when": _stamp(row["changed_at"])},
            )
            continue
        view = public_honor(row)
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        _text(entry, "id", entry_id(row["honor_id"]))
        _text(entry, "title", entry_title(view))
        _text(entry, "published", view["recorded_at"])
        _text(entry, "updated", _stamp(row["changed_at"]))
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": f"{home}#{row['honor_id']}"})
        _text(entry, "summary", entry_text(view))
        level = {"term": xml_safe(view["level"]), "label": xml_safe(level_label(view["level"]))}
        ET.SubElement(entry, f"{{{ATOM}}}category", level)
        ET.SubElement(entry, f"{{{NG}}}cursor").text = str(row["change_seq"])
        for name, value in view.items():
            if value is not None and name != "recorded_at":
                ET.SubElement(entry, f"{{{NG}}}{name.replace('_', '-')}").text = xml_safe(str(value))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def xml_safe(text: str) -> str:
    """Text an XML document can carry: every character it cannot becomes U+FFFD. Input is refused with such
    characters already, but directory names and older entries did not pass that check, and one bad
    character would make the feed of every unit above it unreadable."""
    return NOT_XML.sub("\ufffd", text)


def cursor_of(rows: Sequence[Any]) -> str | None:
    """The newest change in `rows` (what to pass as `since` next time)."""
    return str(max(r["change_seq"] for r in rows)) if rows else None


def encode_json(document: dict[str, Any]) -> bytes:
    """UTF-8 JSON, Vietnamese kept readable."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{tag}").text = xml_safe(text)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
