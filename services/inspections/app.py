"""Wiring of services/inspections."""

from pathlib import Path

from neuguong.runtime.service import ServiceDefinition
from services.inspections import api, handlers

DEFINITION = ServiceDefinition(
    name="inspections",
    package_dir=Path(__file__).parent,
    commands=handlers.COMMANDS,
    handlers=handlers.HANDLERS,
    consumes=handlers.TOPICS,
    routers=[api.router],
)
