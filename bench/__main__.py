"""`make bench`: every benchmark with its defaults, one after the other, then one table of their results.

    python -m bench [--only relay,latency] [--budget 300] [--short] [--results DIR]

Each benchmark runs as `python -m bench.<name> --json bench/results/<name>.json` (its own figures go
to stdout as usual; its logs to bench/results/<name>.log) and writes a list of comparisons: a figure, its value and
unit, the baseline measured in the same run beside it, the ratio, and the target. The table printed at
the end gathers them all, in the Vietnamese number format. A benchmark that fails or runs out of the
budget is named in the table; the run goes on. `--budget` bounds the whole run in seconds (each benchmark
gets what is left, less a reserve for the ones still to run).

`--short` runs each benchmark on a small load (SHORT): a check that a benchmark still runs to its table on
this checkout, which `make test` makes for the five that carry targets (tests/integration/test_bench_short.py).
Its figures measure start-up more than throughput; they are no benchmark.
"""

import argparse
import importlib.util
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import vi_decimal
from neuguong.numbers import vi_number

# In running order (a benchmark that is not there takes no time).
BENCHMARKS = ("relay", "consumer", "replay", "scaleout", "commands", "latency", "import_")
RESERVE = 20.0  # seconds of the budget kept for each benchmark still to run
RESULTS = Path(__file__).with_name("results")
SHORT = {
    "relay": ["--events", "1000"],
    "consumer": ["--events", "1000"],
    "replay": ["--events", "2000"],
    "scaleout": ["--events", "2000", "--replicas", "1,2", "--settle", "1"],
    "commands": ["--requests", "200", "--communes", "1"],
    "latency": ["--rates", "300", "--seconds", "1", "--communes", "1", "--warm-up", "0.5"],  # 300/s has the targets
    "import_": ["--rows", "100", "--communes", "1"],
}
"""Each benchmark's arguments for `--short`: small loads, every figure and baseline still measured."""


def run(
    name: str, timeout: float, results: Path = RESULTS, extra: list[str] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Run one benchmark; its state ('ok', 'absent', 'failed: ...') and its results."""
    if importlib.util.find_spec(f"bench.{name}") is None:
        return "absent", []
    output = results / f"{name}.json"
    output.unlink(missing_ok=True)
    started = time.monotonic()
    command = [sys.executable, "-m", f"bench.{name}", "--json", str(output), *(extra or [])]
    print(f"\n>>> python -m {' '.join(command[2:])}", flush=True)
    # In a session of its own: on a timeout the benchmark and the servers it started stop together.
    log = results / f"{name}.log"
    with log.open("wb") as errors:
        process = subprocess.Popen(command, stderr=errors, start_new_session=True)
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            return f"failed: not done within {vi_number(round(timeout))} s (its log: {log})", []
    took = time.monotonic() - started
    if returncode != 0:
        return f"failed: exit {returncode} after {vi_decimal(took, 1)} s (its log: {log})", []
    if not output.exists():
        return f"ran in {vi_decimal(took, 1)} s but wrote no --json results (its log: {log})", []
    return f"ok in {vi_decimal(took, 1)} s", json.loads(output.read_text(encoding="utf-8"))


def shown(value: Any) -> str:
    """A value the Vietnamese way: whole numbers with '.', others with a decimal ','."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 100):
        return vi_number(int(value))
    if isinstance(value, float):
        return vi_decimal(value, 2)
    return str(value)


def target_text(target: Any) -> str:
    if target in (None, ""):
        return ""
    if isinstance(target, int | float):
        return f"≥ {vi_decimal(float(target), 2)}×"
    return str(target)


def table(results: dict[str, tuple[str, list[dict[str, Any]]]]) -> list[str]:
    """One table: each figure beside its baseline from the same run, the ratio and the target."""
    rows = [("benchmark", "figure", "value", "baseline (same run)", "baseline value", "ratio", "target")]
    for name, (state, comparisons) in results.items():
        if not comparisons:
            rows.append((name, state, "", "", "", "", ""))
        for c in comparisons:
            unit = f" {c['unit']}" if c.get("unit") else ""
            rows.append(
                (
                    name,
                    str(c["figure"]),
                    shown(c["value"]) + unit,
                    str(c.get("baseline") or ""),
                    shown(c["baseline_value"]) + unit if c.get("baseline_value") not in (None, "") else "",
                    f"{vi_decimal(float(c['ratio']), 2)}×" if c.get("ratio") not in (None, "") else "",
                    target_text(c.get("target")),
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("-+-".join("-" * width for width in widths))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated names (default: all)")
    parser.add_argument("--budget", type=float, default=290.0, help="seconds for the whole run (default 290)")
    parser.add_argument("--short", action="store_true", help="each benchmark on a small load: a check, not a measure")
    parser.add_argument("--results", type=Path, default=RESULTS, help=f"where the JSON results go (default {RESULTS})")
    args = parser.parse_args()
    names = [n for n in BENCHMARKS if not args.only or n in args.only.split(",")]
    args.results.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + args.budget
    results = {}
    for index, name in enumerate(names):
        # Each may use what is left of the budget, less a short reserve for each one still to come.
        left = deadline - time.monotonic() - RESERVE * (len(names) - index - 1)
        if left < 10:
            results[name] = ("skipped: the budget is spent", [])
            continue
        results[name] = run(name, left, args.results, SHORT[name] if args.short else None)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    print()
    print(
        f"== make bench: {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, commit {commit.stdout.strip() or '?'}; results in {args.results}/"
        + (" (--short: a check that each benchmark runs, not a measure)" if args.short else "")
        + " =="
    )
    for line in table(results):
        print(line)
    (args.results / "summary.txt").write_text("\n".join(table(results)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
