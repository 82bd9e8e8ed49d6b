"""Feed documents from stored rows: JSON Feed 1.1 structure, Atom that feedparser reads, tombstones."""

import json
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import feedparser
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from neuguong.runtime.input import InputText
from services.notifications import feeds
from services.notifications.page import ordered, render_roll
from services.notifications.privacy import PUBLIC_FIELDS, period_label

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


def row(honor_id, name, seq, revoked=False, kind="member", level="cell", period="2026-03"):
    return {
        "honor_id": honor_id,
        "subject_kind": kind,
        "subject_name": name,
        "recording_unit_id": "lc-x1-c1",
        "unit_path": ["lc", "lc-x1", "lc-x1-c1"],
        "level": level,
        "period": period,
        "deed": "Hiến 300 m² đất làm đường",
        "approved_by": "Chi bộ thôn Nậm Pung",
        "recorded_at": T0,
        "revoked_at": T0 if revoked else None,
        "change_seq": seq,
        "changed_at": T0,
        "unit_name": "Chi bộ thôn Nậm Pung",
        "commune": "Xã Bát Xát",
    }


ROWS = [row("h3", None, 3), row("h2", "Giàng Thị Mỷ", 2, revoked=True), row("h1", "Lò Văn An", 1)]


def test_json_feed_1_1_structure_and_tombstones():
    doc = feeds.json_feed("Sổ ghi danh", "http://x/so-ghi-danh/lc", "http://x/feeds/lc.json", ROWS, "3", None)
    assert doc["version"] == "https://jsonfeed.org/version/1.1" and doc["title"] and doc["_neuguong"]["cursor"] == "3"
    for item in doc["items"]:
        assert isinstance(item["id"], str) and ("content_text" in item or "content_html" in item)
        assert all(
            k in {"id", "url", "title", "content_text", "date_published", "date_modified", "tags"} or k.startswith("_")
            for k in item
        )
    anonymous, tombstone, named = doc["items"]
    assert tombstone["_neuguong"]["deleted"] is True and "Mỷ" not in str(tombstone)
    assert anonymous["title"].startswith("Một đảng viên") and anonymous["_neuguong"]["honor"]["name"] is None
    assert named["_neuguong"]["honor"].keys() <= PUBLIC_FIELDS


def test_atom_parses_cleanly_with_rfc_6721_tombstones():
    body = feeds.atom_feed(
        "Sổ ghi danh",
        "http://x/so-ghi-danh/lc",
        "http://x/feeds/lc.atom",
        "urn:f",
        ROWS,
        "3",
        "http://x/feeds/lc.atom?before=1",
    )
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.id for e in parsed.entries] == ["urn:neuguong:honor:h3", "urn:neuguong:honor:h1"]
    assert b'<at:deleted-entry ref="urn:neuguong:honor:h2"' in body and "Mỷ".encode() not in body


def test_the_page_orders_names_the_vietnamese_way_and_names_no_one_without_consent():
    rows = [row("h1", "Nguyễn Văn Bình", 1), row("h2", None, 2), row("h3", "Lò Thị Ánh", 3)]
    assert [v["name"] for v in ordered(rows)] == ["Lò Thị Ánh", "Nguyễn Văn Bình", None]
    links = {"atom": "https://x/feeds/lc.atom", "json": "https://x/feeds/lc.json"}
    html = render_roll("Đảng bộ xã Bát Xát", rows, ["2026-03"], None, None, links)
    assert '<meta name="viewport"' in html and 'lang="vi"' in html
    assert html.index("Lò Thị Ánh") < html.index("Nguyễn Văn Bình") < html.index("Một đảng viên")
    assert "Tổng số: 3 lượt ghi danh" in html and "Tháng 3/2026" in html


def test_periods_in_vietnamese():
    assert [period_label(p) for p in ("2025", "2025-H1", "2025-H2", "2025-Q2", "2025-05")] == [
        "Năm 2025",
        "6 tháng đầu năm 2025",
        "6 tháng cuối năm 2025",
        "Quý II/2025",
        "Tháng 5/2025",
    ]


# Every text the API accepts makes a feed that parses; text that never passed that check (directory names,
# entries stored before it) cannot break the document either.


def accepted(value: str) -> str | None:
    """The text as a command keeps it, or None when a command refuses it."""
    try:
        return TypeAdapter(InputText).validate_python(value)
    except ValidationError:
        return None


ACCEPTED = st.text(max_size=40).map(accepted).filter(lambda t: t is not None)


def text_row(deed, approved_by, name, unit_name):
    return {**row("h9", name, 9), "deed": deed, "approved_by": approved_by, "unit_name": unit_name}


@settings(max_examples=200)
@given(deed=ACCEPTED, approved_by=ACCEPTED, name=ACCEPTED, unit=ACCEPTED)
def test_a_feed_of_every_accepted_text_parses_without_bozo(deed, approved_by, name, unit):
    body = feeds.atom_feed(
        unit,
        "https://x/so-ghi-danh/lc",
        "https://x/feeds/lc.atom",
        "urn:f",
        [text_row(deed, approved_by, name, unit)],
        "9",
        None,
    )
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries[0].summary.startswith(deed[:1])
    document = feeds.json_feed(
        unit,
        "https://x/so-ghi-danh/lc",
        "https://x/feeds/lc.json",
        [text_row(deed, approved_by, name, unit)],
        "9",
        None,
    )
    assert json.loads(feeds.encode_json(document))["items"][0]["_neuguong"]["honor"]["deed"] == deed


@settings(max_examples=200)
@given(text=st.text(max_size=40))
def test_no_stored_text_can_make_the_atom_document_invalid(text):
    body = feeds.atom_feed(
        text, "https://x/h", "https://x/f.atom", "urn:f", [text_row(text, text, text, text)], "9", None
    )
    ET.fromstring(body)  # well-formed XML 1.0
    assert not feedparser.parse(body).bozo
    json.loads(
        feeds.encode_json(
            feeds.json_feed(text, "https://x/h", "https://x/f", [text_row(text, text, text, text)], "9", None)
        )
    )
