"""Every HTTP request leaves one JSON access line with its correlation id, and a latency observation
labelled by route template and status."""

import json
import uuid


def access_lines(stderr: str) -> list[dict]:
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "neuguong.access"]


async def test_a_request_is_logged_and_timed_under_its_route_template(system, capsys):
    honor_id = uuid.uuid4()
    async with system.service("honors") as honors:
        capsys.readouterr()
        refused = await honors.client.get(f"/honors/{honor_id}", headers={"X-Correlation-Id": "kiem-tra.0001"})
        missing = await honors.client.get("/khong-co/trang-nay?token=bi-mat")
        probe = await honors.client.get("/readyz")
        registry = honors.app.state.registry
        stderr = capsys.readouterr().err
    assert (refused.status_code, missing.status_code, probe.status_code) == (401, 404, 200)

    lines = access_lines(stderr)
    assert [(line["method"], line["path"], line["route"], line["status"]) for line in lines] == [
        ("GET", f"/honors/{honor_id}", "/honors/{honor_id}", 401),
        ("GET", "/khong-co/trang-nay", "unmatched", 404),  # never the query string, never the raw path as a label
    ]  # the probe is logged at DEBUG only, below the services' INFO
    first, second = lines
    assert first["correlation_id"] == "kiem-tra.0001" and first["service"] == "honors" and first["level"] == "INFO"
    assert second["correlation_id"] == missing.headers["x-correlation-id"]  # a new id, echoed to the client
    assert all(0 < line["duration_ms"] < 10_000 for line in lines)

    def observed(route: str, status: str) -> float | None:
        labels = {"service": "honors", "method": "GET", "route": route, "status": status}
        return registry.get_sample_value("neuguong_http_request_duration_seconds_count", labels)

    counts = [observed("/honors/{honor_id}", "401"), observed("unmatched", "404"), observed("/readyz", "200")]
    assert counts == [1.0, 1.0, 1.0]
