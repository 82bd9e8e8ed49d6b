"""Wiring of services/honors."""

from pathlib import Path

from neuguong.runtime.service import ServiceDefinition
from services.honors import api, handlers, nominations, queries

DEFINITION = ServiceDefinition(
    name="honors",
    package_dir=Path(__file__).parent,
    handlers=handlers.HANDLERS,
    consumes=handlers.TOPICS,
    routers=[api.router, nominations.router, queries.router],
)
