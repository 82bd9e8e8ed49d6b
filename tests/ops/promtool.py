"""Debian's prometheus and promtool (deploy/local/prometheus.sh installs them), found or installed once."""

import functools
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
INSTALL = ROOT / "deploy" / "local" / "prometheus.sh"


@functools.cache
def binaries() -> tuple[str, str]:
    """The paths of prometheus and promtool, installing Debian's package when they are missing."""
    if not (shutil.which("prometheus") and shutil.which("promtool")):
        installed = subprocess.run(["bash", str(INSTALL)], capture_output=True, text=True, timeout=600)
        assert installed.returncode == 0, installed.stdout + installed.stderr
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    assert prometheus and promtool, "deploy/local/prometheus.sh installed no prometheus/promtool"
    return prometheus, promtool


def promtool(*args: str, cwd: Path = OBSERVABILITY) -> subprocess.CompletedProcess:
    """Run promtool in deploy/observability (rule files are named relative to it)."""
    return subprocess.run([binaries()[1], *args], cwd=cwd, capture_output=True, text=True, timeout=120)
