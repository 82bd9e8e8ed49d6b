"""Wiring of services/honors."""

from pathlib import Path

from neuguong.runtime.service import ServiceDefinition
from services.honors import api, handlers

DEFINITION = ServiceDefinition(
    name="honors",
    package_dir=Path(__file__).parent,
    commands=handlers.COMMANDS,
    handlers=handlers.HANDLERS,
    consumes=handlers.TOPICS,
    routers=[api.router, api.nominations],
)
