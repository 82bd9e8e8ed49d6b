"""Fixtures of the operations tests."""

import pytest

from neuguong.runtime.settings import Settings


@pytest.fixture
def environment(monkeypatch):
    """Load Settings from exactly the given variables (none of this machine's NG_* leak in)."""
    import os

    for name in [n for n in os.environ if n.startswith("NG_")]:
        monkeypatch.delenv(name)

    def load(env: dict[str, str], service: str = "") -> Settings:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        try:
            return Settings(service=service)  # as `neuguong serve <service>` does (ops/actions.py)
        finally:
            for name in env:
                monkeypatch.delenv(name)

    return load
