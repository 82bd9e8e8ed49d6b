"""The deployable services of Nêu Gương; each is a package whose app.py declares DEFINITION."""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neuguong.runtime.service import ServiceDefinition

NAMES = ("commitments", "honors", "inspections", "notifications", "projections")
"""Every service, in the order deploy/local numbers their ports (8101, 8102, …)."""


def definition(name: str) -> "ServiceDefinition":
    """The definition of services/<name>."""
    if name not in NAMES:
        raise ValueError(f"service: unknown service {name!r} (one of {', '.join(NAMES)})")
    return importlib.import_module(f"services.{name}.app").DEFINITION
