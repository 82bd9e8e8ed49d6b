"""The Prometheus configuration and alert rules as promtool checks them, and a rule test for every alert."""

import yaml

from tests.ops.promtool import OBSERVABILITY, promtool


def alerts() -> list[str]:
    rules = yaml.safe_load((OBSERVABILITY / "alerts.yml").read_text(encoding="utf-8"))
    return [rule["alert"] for group in rules["groups"] for rule in group["rules"] if "alert" in rule]


def test_the_scrape_configuration_is_valid():
    checked = promtool("check", "config", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


def test_the_alert_rules_are_valid():
    checked = promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in checked.stdout


def test_the_rule_tests_pass():
    tested = promtool("test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_has_a_rule_test_that_fires_it():
    tests = yaml.safe_load((OBSERVABILITY / "alerts_test.yml").read_text(encoding="utf-8"))["tests"]
    fired = {
        case["alertname"]
        for test in tests
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")  # a case that expects no alert proves only that it stays quiet
    }
    assert sorted(set(alerts()) - fired) == []


def test_the_alerts_cover_what_operators_must_hear_of():
    # Each family of failure the operations issue names has at least one alert watching its metric.
    rules = (OBSERVABILITY / "alerts.yml").read_text(encoding="utf-8")
    watched = {
        "outbox stuck": "neuguong_outbox_oldest_age_seconds",
        "lag in seconds": "neuguong_consumer_lag_seconds",
        "dead-letter growth": 'outcome="dead_lettered"',
        "parked events": "neuguong_outbox_parked",
        "delivery failures": "neuguong_delivery_attempts_total",
        "open breakers": "neuguong_channel_breaker_state",
        "service down": "up{",
        "readiness failing": "neuguong_ready",
    }
    assert [what for what, metric in watched.items() if metric not in rules] == []
