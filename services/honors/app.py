"""Wiring of services/honors."""

from pathlib import Path

from neuguong.runtime.service import ServiceDefinition
from services.honors import handlers

DEFINITION = ServiceDefinition(
    name="honors",
    package_dir=Path(__file__).parent,
    handlers=handlers.HANDLERS,
    consumes=handlers.TOPICS,
)

