"""Wiring of services/inspections."""

from pathlib import Path

from neuguong.runtime.service import ServiceDefinition
from services.inspections import api, handlers, queries

DEFINITION = ServiceDefinition(
    name="inspections",
    package_dir=Path(__file__).parent,
    handlers=handlers.HANDLERS,
    consumes=handlers.TOPICS,
    routers=[api.router, queries.router],
)
