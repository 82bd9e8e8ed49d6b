"""The Grafana dashboard drawn without Grafana: each panel's queries run against a Prometheus over a time range
and plotted with matplotlib into one PNG, panels placed by their gridPos, titles as the dashboard has them.

    python -m ops.dashboard_render --prometheus http://127.0.0.1:9090 --minutes 30 --out docs/dashboard.png

The variables are filled in as Grafana would: $job and $service as chosen (all by default), $__rate_interval
as max(step + scrape interval, 4 × scrape interval). Stat panels show each series' value at the end of the
range (with their value mappings, e.g. 1 → UP); time series panels one line per series, named by legendFormat.
"""

import argparse
import datetime as dt
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from PIL import Image

DASHBOARD = Path(__file__).parents[1] / "deploy" / "observability" / "grafana" / "dashboard.json"
GRID_COLUMNS = 24
LEGEND_ENTRIES = 8
LEGEND_LABEL = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass
class Series:
    name: str
    times: list[float]  # unix seconds
    values: list[float]


@dataclass
class Panel:
    """One panel of the dashboard with what its queries answered."""

    id: int
    title: str
    type: str
    grid: dict[str, int]
    unit: str | None
    mappings: dict[str, str]
    series: list[Series] = field(default_factory=list)


def load(path: Path = DASHBOARD) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def rate_interval(step: float, scrape: float) -> str:
    """Grafana's $__rate_interval for a step and the data source's scrape interval."""
    return f"{math.ceil(max(step + scrape, 4 * scrape))}s"


def fill(expr: str, *, job: str, service: str, rate: str) -> str:
    """A panel's expression with the dashboard's variables as Grafana fills them in."""
    return expr.replace("$__rate_interval", rate).replace("$job", job).replace("$service", service)


def legend(fmt: str | None, labels: dict[str, str]) -> str:
    if fmt:
        return LEGEND_LABEL.sub(lambda m: labels.get(m.group(1), ""), fmt).strip()
    shown = {k: v for k, v in labels.items() if k not in ("__name__", "job", "instance")}
    return ", ".join(f"{k}={v}" for k, v in sorted(shown.items())) or labels.get("__name__", "value")


def _unprefixed(labels: dict[str, str], prefix: str) -> dict[str, str]:
    if not prefix:
        return labels
    return {
        k: v.removeprefix(prefix) if k in ("topic", "group", "destination", "handler") else v for k, v in labels.items()
    }


def _mappings(panel: dict) -> dict[str, str]:
    found: dict[str, str] = {}
    for mapping in panel.get("fieldConfig", {}).get("defaults", {}).get("mappings", []):
        if mapping.get("type") == "value":
            found.update({k: v["text"] for k, v in mapping["options"].items() if "text" in v})
    return found


def query(
    prometheus: str,
    dashboard: dict,
    start: float,
    end: float,
    *,
    step: float,
    scrape: float = 15.0,
    job: str = ".*",
    service: str = ".*",
    topic_prefix: str = "",
) -> list[Panel]:
    """Run every panel's queries (stat panels: instant at `end`; others: over [start, end] by `step`).

    `topic_prefix` (NG_TOPIC_PREFIX) is left out of the legends' topic and group names."""
    rate = rate_interval(step, scrape)
    panels = []
    with httpx.Client(base_url=prometheus, timeout=30) as client:
        for p in dashboard["panels"]:
            if p["type"] == "row":
                continue
            panel = Panel(
                id=p["id"],
                title=p["title"],
                type=p["type"],
                grid=p["gridPos"],
                unit=p.get("fieldConfig", {}).get("defaults", {}).get("unit"),
                mappings=_mappings(p),
            )
            for target in p.get("targets", []):
                name = target.get("legendFormat")
                expr = fill(target["expr"], job=job, service=service, rate=rate)
                if target.get("instant"):
                    data = _get(client, "/api/v1/query", query=expr, time=str(end))
                    for r in data:
                        _, value = r["value"]
                        panel.series.append(
                            Series(legend(name, _unprefixed(r["metric"], topic_prefix)), [end], [float(value)])
                        )
                else:
                    params = {"query": expr, "start": str(start), "end": str(end), "step": str(step)}
                    for r in _get(client, "/api/v1/query_range", **params):
                        times = [float(t) for t, _ in r["values"]]
                        values = [float(v) for _, v in r["values"]]
                        panel.series.append(Series(legend(name, _unprefixed(r["metric"], topic_prefix)), times, values))
            panels.append(panel)
    return panels


def _get(client: httpx.Client, path: str, **params: str) -> list[dict]:
    answer = client.get(path, params=params).json()
    if answer.get("status") != "success":
        raise RuntimeError(f"Prometheus refused {params.get('query')}: {answer.get('error')}")
    return answer["data"]["result"]


def number(value: float, unit: str | None) -> str:
    """A value as a stat panel shows it (Vietnamese format: 1.234,5; seconds as s / min / h)."""
    if math.isnan(value):
        return "NaN"
    if unit == "s" and value >= 60:
        return f"{value / 3600:.1f} h".replace(".", ",") if value >= 3600 else f"{value / 60:.1f} min".replace(".", ",")
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".") + (" s" if unit == "s" else "")


def sections(dashboard: dict) -> dict[int, str]:
    """The dashboard's rows (collapsible section headings): grid line -> title."""
    return {p["gridPos"]["y"]: p["title"] for p in dashboard["panels"] if p["type"] == "row"}


def render(
    panels: list[Panel],
    out: Path,
    *,
    title: str,
    start: float,
    end: float,
    headings: dict[int, str] | None = None,
    dpi: int = 60,
) -> dict[int, Axes]:
    """Draw the panels on one figure laid out like the dashboard's grid, with the rows' `headings`; write a PNG
    (256 colours, small enough for a README). Returns {panel id: its Axes}, in the dashboard's order."""
    headings = headings or {}
    rows = max(p.grid["y"] + p.grid["h"] for p in panels)
    first = min([p.grid["y"] for p in panels] + list(headings))
    height = (rows - first) * 0.55 + 0.8  # inches: a grid row, and the heading
    figure = Figure(figsize=(22, height), dpi=dpi)
    figure.suptitle(
        f"{title}   ({_when(start)} – {_when(end)} UTC)",
        fontsize=15,
        fontweight="bold",
        x=0.01,
        y=1 - 0.15 / height,
        ha="left",
        va="top",
    )
    grid = GridSpec(
        rows - first, GRID_COLUMNS, figure=figure, hspace=3.5, wspace=2.2, top=1 - 0.8 / height, bottom=0.1 / height
    )
    grid.update(left=0.03, right=0.99)
    axes = {}
    start_date, end_date = _date(start), _date(end)
    clock = "%H:%M" if end - start > 1800 else "%H:%M:%S"
    for y, heading in headings.items():
        band = figure.add_subplot(grid[y - first, :])
        band.set_axis_off()
        band.text(
            0, 0.5, heading, fontsize=13, fontweight="bold", color="#455a64", va="center", transform=band.transAxes
        )
        band.axhline(0, color="#b0bec5", linewidth=1)
    for panel in panels:
        g = panel.grid
        ax = figure.add_subplot(grid[g["y"] - first : g["y"] - first + g["h"], g["x"] : g["x"] + g["w"]])
        ax.set_title(panel.title, fontsize=10, loc="left", fontweight="bold")
        ax.set_gid(f"panel-{panel.id}")
        axes[panel.id] = ax
        if panel.type == "stat":
            _stat(ax, panel)
        else:
            _timeseries(ax, panel, start_date, end_date, clock)
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    Image.open(buffer).convert("RGB").quantize(colors=256).save(out, format="PNG", optimize=True)
    return axes


def _timeseries(ax: Axes, panel: Panel, start: dt.datetime, end: dt.datetime, clock: str) -> None:
    ranked = sorted(panel.series, key=lambda s: -max((v for v in s.values if not math.isnan(v)), default=0))
    for s in ranked:
        ax.plot([_date(t) for t in s.times], s.values, linewidth=1.4, label=s.name)
    ax.set_xlim(start, end)
    ax.xaxis.set_major_formatter(mdates.DateFormatter(clock, tz=dt.UTC))
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    values = [v for s in panel.series for v in s.values if not math.isnan(v)]
    if values and min(values) >= 0:
        ax.set_ylim(bottom=0, top=None if max(values) > 0 else 1)
    if panel.unit == "s":
        ax.set_ylabel("s", fontsize=7)
    if not panel.series:
        ax.text(0.5, 0.5, "No data", ha="center", va="center", transform=ax.transAxes, color="grey")
        return
    handles, labels = ax.get_legend_handles_labels()
    if len(labels) > LEGEND_ENTRIES:  # the largest series, as a sorted Grafana legend table shows first
        handles, labels = handles[: LEGEND_ENTRIES - 1], [*labels[: LEGEND_ENTRIES - 1]]
        handles.append(Line2D([], [], linestyle="none"))
        labels.append(f"… {len(panel.series) - LEGEND_ENTRIES + 1} more")
    ax.legend(handles, labels, fontsize=6.5, loc="upper left", ncol=2 if len(labels) > 4 else 1, framealpha=0.7)


def _stat(ax: Axes, panel: Panel) -> None:
    ax.set_axis_off()
    if not panel.series:
        ax.text(0.5, 0.4, "No data", ha="center", va="center", transform=ax.transAxes, color="grey")
        return
    width = 1 / len(panel.series)
    for i, s in enumerate(panel.series):
        value = s.values[-1]
        raw = number(value, None)
        text = panel.mappings.get(raw, number(value, panel.unit))
        good = panel.mappings.get(raw) == "UP" or (not panel.mappings and value == 0)
        ax.add_patch(
            Rectangle(
                (i * width + 0.005, 0.02),
                width - 0.01,
                0.9,
                transform=ax.transAxes,
                color="#2e7d32" if good else "#c62828",
            )
        )
        label = f"{s.name}\n{text}" if len(panel.series) > 1 or s.name else text
        ax.text(
            (i + 0.5) * width,
            0.47,
            label,
            ha="center",
            va="center",
            transform=ax.transAxes,
            color="white",
            fontsize=10 if len(panel.series) > 1 else 16,
            fontweight="bold",
        )


def _date(t: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, tz=dt.UTC)


def _when(t: float) -> str:
    return _date(t).strftime("%Y-%m-%d %H:%M")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops.dashboard_render", description="Vẽ bảng điều khiển Grafana ra một tệp PNG từ Prometheus."
    )
    parser.add_argument("--prometheus", default="http://127.0.0.1:9090", help="Prometheus's base URL")
    parser.add_argument("--minutes", type=float, default=180, help="the range, ending now (dashboard: 3 h)")
    parser.add_argument("--step", type=float, default=0, help="seconds between points (default: range / 240)")
    parser.add_argument("--scrape-interval", type=float, default=15, help="the data source's scrape interval (s)")
    parser.add_argument("--job", default=".*", help="the $job variable (layout), a regex")
    parser.add_argument("--service", default=".*", help="the $service variable, a regex")
    parser.add_argument("--topic-prefix", default="", help="NG_TOPIC_PREFIX, left out of the legends")
    parser.add_argument("--dashboard", type=Path, default=DASHBOARD)
    parser.add_argument("--out", type=Path, default=Path("dashboard.png"))
    args = parser.parse_args(argv)
    end = dt.datetime.now(dt.UTC).timestamp()
    start = end - args.minutes * 60
    step = args.step or max(1.0, args.minutes * 60 / 240)
    dashboard = load(args.dashboard)
    panels = query(
        args.prometheus,
        dashboard,
        start,
        end,
        step=step,
        scrape=args.scrape_interval,
        job=args.job,
        service=args.service,
    )
    render(panels, args.out, title=dashboard["title"], start=start, end=end, headings=sections(dashboard))
    print(f"{args.out}: {len(panels)} panels, {sum(len(p.series) for p in panels)} series")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
