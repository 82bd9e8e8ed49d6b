"""The public honor-roll page "Sổ ghi danh": server-rendered HTML in Vietnamese, readable on a phone."""

import base64
import hashlib
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from neuguong.numbers import vi_number
from services.notifications.collation import name_key, sort_key
from services.notifications.logic import LEVELS
from services.notifications.privacy import display_name, level_label, period_label, public_honor

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;
background:#fffdf7;color:#222}
header{background:#b71c1c;color:#fff;padding:1rem}header h1{margin:0;font-size:1.4rem}
main{max-width:48rem;margin:auto;padding:1rem}form{display:flex;flex-wrap:wrap;gap:.5rem;margin-bottom:1rem}
select,button{font-size:1rem;padding:.4rem}ol{list-style:none;padding:0}
li{background:#fff;border:1px solid #e0d6c2;border-radius:.5rem;padding:.75rem;margin-bottom:.75rem}
.ten{font-weight:bold;font-size:1.1rem}.noi{color:#555;font-size:.9rem}.viec{margin:.4rem 0}
.theo-doi{font-size:.9rem}a{color:#b71c1c}
"""
PAGE_POLICY = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""The page's Content-Security-Policy: its own inline style (by hash) and its filter form, nothing else."""


def ordered(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Public views in Vietnamese order: named entries by given name then family name, then unnamed ones."""
    views = [public_honor(row) for row in rows]
    return sorted(
        views,
        key=lambda v: (v["name"] is None, name_key(v["name"] or ""), sort_key(v["unit"]), v["period"], v["honor_id"]),
    )


def _options(values: Sequence[tuple[str, str]], chosen: str | None, everything: str) -> str:
    options = [f'<option value="">{escape(everything)}</option>']
    for value, label in values:
        selected = " selected" if value == chosen else ""
        options.append(f'<option value="{escape(value)}"{selected}>{escape(label)}</option>')
    return "".join(options)


def _entry(view: dict[str, Any]) -> str:
    where = ", ".join(escape(p) for p in (view["unit"], view["commune"]) if p)
    return (
        f'<li id="{escape(view["honor_id"])}"><div class="ten">{escape(display_name(view))}</div>'
        f'<div class="noi">{where}</div><div class="viec">{escape(view["deed"])}</div>'
        f'<div class="noi">{escape(level_label(view["level"]))} · {escape(period_label(view["period"]))} · '
        f"{escape(view['approved_by'])} ghi danh</div></li>"
    )


def render_roll(
    unit_name: str,
    rows: Sequence[Any],
    periods: Sequence[str],
    period: str | None,
    level: str | None,
    feeds: Mapping[str, str],
) -> str:
    """The whole page for one unit and its subtree; `feeds` holds the absolute links of its Atom and JSON feeds
    (which follow a level, not a period: a feed is the stream of changes)."""
    views = ordered(rows)
    atom, json_feed = escape(feeds["atom"]), escape(feeds["json"])
    entries = "".join(_entry(v) for v in views) or "<p>Chưa có ai được ghi danh theo bộ lọc này.</p>"
    period_options = _options([(p, period_label(p)) for p in periods], period, "Tất cả các kỳ")
    level_options = _options([(lv, level_label(lv)) for lv in LEVELS], level, "Tất cả các cấp")
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sổ ghi danh — {escape(unit_name)}</title>
<link rel="alternate" type="application/atom+xml" href="{atom}" title="Atom">
<link rel="alternate" type="application/feed+json" href="{json_feed}" title="JSON Feed">
<style>{STYLE}</style></head>
<body><header><h1>Sổ ghi danh</h1><div>{escape(unit_name)}</div></header><main>
<p>Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.</p>
<form method="get"><label>Kỳ <select name="period">{period_options}</select></label>
<label>Cấp <select name="level">{level_options}</select></label>
<button type="submit">Xem</button></form>
<p class="tong">Tổng số: {vi_number(len(views))} lượt ghi danh</p>
<ol>{entries}</ol>
<p class="theo-doi">Theo dõi sổ ghi danh: <a href="{atom}" type="application/atom+xml">bản tin Atom</a> ·
<a href="{json_feed}" type="application/feed+json">JSON Feed</a></p></main></body></html>
"""
