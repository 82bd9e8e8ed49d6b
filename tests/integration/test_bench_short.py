"""`make bench` in its short form: the benchmarks that carry the issue's targets run to their results on this
checkout, each figure beside a baseline measured in the same run, and the targets named where they apply. A
check that the benchmarks work, as `make test` checks the faults in their short form; it asserts no speed
(bench/README.md has those). The scale-out and import benchmarks, which carry no target of their own, run in
`make bench` only: each starts several servers, and `make test` must stay under 10 minutes on 2 cores."""

import json
import math
import subprocess
import sys

IN_MAKE_TEST = ("relay", "consumer", "replay", "commands", "latency")

TARGETS = {
    ("relay", "≥ 0,8×"),
    ("consumer", "≥ 1,3×"),
    ("replay", "< 15 s"),
    ("commands", "≥ 0,35×"),
    ("commands", "≥ 1.500 requests/s"),
    ("latency", "≤ 25 ms"),
    ("latency", "≤ 20 ms"),
    ("latency", "≤ 5 ms"),
}


def test_the_benchmarks_with_targets_run_to_figures_beside_their_baselines(tmp_path):
    command = ["-m", "bench", "--short", "--only", ",".join(IN_MAKE_TEST), "--results", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, *command, "--budget", "400"],
        capture_output=True,
        text=True,
        timeout=480,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = (tmp_path / "summary.txt").read_text(encoding="utf-8")
    logs = {log.stem: log.read_text(encoding="utf-8", errors="replace")[-2000:] for log in tmp_path.glob("*.log")}
    targets = set()
    for name in IN_MAKE_TEST:
        path = tmp_path / f"{name}.json"
        assert path.exists(), f"bench.{name} wrote no results:\n{summary}\n{logs.get(name, '')}"
        results = json.loads(path.read_text(encoding="utf-8"))
        assert results, f"bench.{name}: no figures"
        for line in results:
            value, baseline = line["value"], line.get("baseline_value")
            assert isinstance(value, int | float) and math.isfinite(value) and value >= 0, (name, line)
            if line.get("unit", "").endswith("/s"):  # a rate: something was done
                assert value > 0, (name, line)
            if line.get("baseline"):
                assert isinstance(baseline, int | float) and baseline > 0, (name, line)
                # figure / baseline when more is better, baseline / figure for times (bench.common.comparison)
                ratios = (value / baseline, baseline / value if value else 0.0)
                assert any(math.isclose(line["ratio"], r, rel_tol=0.01, abs_tol=0.001) for r in ratios), (name, line)
            if line.get("target"):
                targets.add((name, line["target"]))
            assert line["figure"] in summary, (name, line["figure"])
    assert targets >= TARGETS, f"targets missing: {TARGETS - targets}"
