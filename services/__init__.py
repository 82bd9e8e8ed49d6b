"""The deployable services of Nêu Gương; each is a package whose app.py declares DEFINITION."""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neuguong.runtime.service import ServiceDefinition

NAMES = ("commitments", "honors", "inspections", "notifications", "projections")
"""Every service of the event backbone, in the order deploy/local numbers their ports (8101, 8102, …)."""
CONSOLE = "console"
"""The committees' web console: served like a service (`neuguong serve console`, the next port after the
others) but with no schema, topics or consumer group; it calls the services' public APIs."""
SERVED = (*NAMES, CONSOLE)
"""Every process `neuguong serve` runs, in port order."""


def definition(name: str) -> "ServiceDefinition":
    """The definition of services/<name>."""
    if name not in NAMES:
        raise ValueError(f"service: unknown service {name!r} (one of {', '.join(NAMES)})")
    return importlib.import_module(f"services.{name}.app").DEFINITION
