"""The Grafana dashboard: well-formed, and with a panel for each thing operators watch."""

import json

from tests.ops.promtool import OBSERVABILITY

DASHBOARD = OBSERVABILITY / "grafana" / "dashboard.json"


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def queries() -> dict[str, list[str]]:
    """Each panel's title with its PromQL expressions."""
    return {p["title"]: [t["expr"] for t in p.get("targets", [])] for p in dashboard()["panels"] if p["type"] != "row"}


def test_panels_have_unique_ids_and_do_not_overlap():
    panels = dashboard()["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells = [
        (p["gridPos"]["x"] + dx, p["gridPos"]["y"] + dy)
        for p in panels
        for dx in range(p["gridPos"]["w"])
        for dy in range(p["gridPos"]["h"])
    ]
    assert len(cells) == len(set(cells))
    assert all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in panels)


def test_there_is_a_panel_for_deliveries_breakers_dead_letters_latency_and_business_throughput():
    watched = {
        "delivery outcomes": "neuguong_delivery_attempts_total",
        "delivery dead letters": "neuguong_delivery_dead_letters_total",
        "breakers": "neuguong_channel_breaker_state",
        "dead-letter topics": 'outcome="dead_lettered"',
        "HTTP latency": "histogram_quantile(0.95, sum by (le, service, route) (rate(neuguong_http_request_duration",
        "commitments per hour": "CommitmentFiled",
        "honors per hour": "HonorRecorded",
    }
    exprs = [expr for panel in queries().values() for expr in panel]
    assert [what for what, needle in watched.items() if not any(needle in expr for expr in exprs)] == []


def test_every_query_is_scoped_to_the_chosen_layout():
    unscoped = [title for title, exprs in queries().items() for e in exprs if 'job=~"$job"' not in e]
    assert unscoped == []
