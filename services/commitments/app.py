"""Wiring of services/commitments."""

from pathlib import Path

from neuguong.runtime.service import ServiceDefinition
from services.commitments import api, batch, handlers, queries, sessions

DEFINITION = ServiceDefinition(
    name="commitments",
    package_dir=Path(__file__).parent,
    handlers=handlers.HANDLERS,
    consumes=handlers.TOPICS,
    routers=[batch.router, api.router, sessions.router, queries.router],
)

