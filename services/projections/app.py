"""Wiring of services/projections."""

from pathlib import Path

from neuguong.runtime.service import ServiceDefinition
from services.projections import api, compliance, handlers

DEFINITION = ServiceDefinition(
    name="projections",
    package_dir=Path(__file__).parent,
    handlers=handlers.HANDLERS,
    consumes=handlers.TOPICS,
    routers=[api.router, compliance.router],
)

