"""Wiring of services/projections."""

from pathlib import Path

from neuguong.runtime.service import ServiceDefinition
from services.projections import api, fold, handlers

DEFINITION = ServiceDefinition(
    name="projections",
    package_dir=Path(__file__).parent,
    commands=handlers.COMMANDS,
    handlers=handlers.HANDLERS,
    consumes=handlers.TOPICS,
    routers=[api.router, api.compliance],
    batch_scope=fold.folded,
)
