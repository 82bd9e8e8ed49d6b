"""Charts drawn on the server as accessible SVG: role="img" with a <title> and a <desc> that say what the
chart shows; the page puts the same numbers in a table beside it. Hand-written (some forty lines) because the
two shapes needed, bars and lines, do not justify shipping a charting library and its JavaScript to phones."""

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

COLOURS = ("#1f5fa8", "#b3261e", "#2e7d32", "#6a3d9a")  # AA contrast on white, told apart by markers too
MARKERS = ("circle", "rect", "diamond")


def bar_chart(chart_id: str, title: str, desc: str, bars: Sequence[tuple[str, float, str]]) -> Markup:
    """Horizontal bars (label, value 0–100, text shown at the bar's end), one per row."""
    row, width, left = 28, 640, 220
    height = row * len(bars) + 10
    parts = [
        f'<svg id="{chart_id}" class="chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]
    for n, (label, value, text) in enumerate(bars):
        y = 5 + n * row
        size = max(0.0, min(100.0, value)) * (width - left - 80) / 100
        parts.append(
            f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" font-size="13">{escape(label[:32])}</text>'
            f'<rect x="{left}" y="{y + 4}" width="{size:.1f}" height="18" fill="{COLOURS[0]}"/>'
            f'<text x="{left + size + 6:.1f}" y="{y + 17}" font-size="13">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text inside is escaped above


def line_chart(chart_id: str, title: str, desc: str, labels: Sequence[str], series: dict[str, list[int]]) -> Markup:
    """One line per series over the labels (months), each with its own colour and marker, and a legend."""
    width, height, left, top, bottom = 640, 260, 48, 30, 40
    top_value = max([1, *(v for values in series.values() for v in values)])
    step = (width - left - 20) / max(1, len(labels) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: int) -> float:
        return top + (height - top - bottom) * (1 - v / top_value)

    parts = [
        f'<svg id="{chart_id}" class="chart" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - 10}" y2="{y(0):.1f}" stroke="#555"/>',
        f'<text x="{left - 6}" y="{y(top_value) + 4:.1f}" text-anchor="end" font-size="12">{top_value}</text>',
        f'<text x="{left - 6}" y="{y(0) + 4:.1f}" text-anchor="end" font-size="12">0</text>',
    ]
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - 18}" text-anchor="middle" font-size="12">{escape(label)}</text>'
        )
    for n, (name, values) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{points}"/>')
        for i, v in enumerate(values):
            parts.append(_marker(MARKERS[n % len(MARKERS)], x(i), y(v), colour))
        parts.append(
            _marker(MARKERS[n % len(MARKERS)], left + n * 200, 12, colour)
            + f'<text x="{left + n * 200 + 10}" y="16" font-size="12">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text inside is escaped above


def _marker(kind: str, cx: float, cy: float, colour: str) -> str:
    if kind == "rect":
        return f'<rect x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "diamond":
        corners = f"{cx:.1f},{cy - 5:.1f} {cx + 5:.1f},{cy:.1f} {cx:.1f},{cy + 5:.1f} {cx - 5:.1f},{cy:.1f}"
        return f'<polygon points="{corners}" fill="{colour}"/>'
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour}"/>'
