"""Wiring of services/commitments."""

from pathlib import Path

from neuguong.runtime.service import ServiceDefinition
from services.commitments import api, handlers

DEFINITION = ServiceDefinition(
    name="commitments",
    package_dir=Path(__file__).parent,
    commands=handlers.COMMANDS,
    handlers=handlers.HANDLERS,
    consumes=handlers.TOPICS,
    routers=[api.router, api.sessions],
)
