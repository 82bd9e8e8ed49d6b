"""Wiring of services/notifications."""

from pathlib import Path

from neuguong.runtime.service import ServiceDefinition
from services.notifications import handlers

DEFINITION = ServiceDefinition(
    name="notifications",
    package_dir=Path(__file__).parent,
    handlers=handlers.HANDLERS,
    consumes=handlers.TOPICS,
)

