"""Every Kafka subscription of services/projections, in one table."""

import asyncpg

from neuguong.runtime import directory
from schemas import CommitmentFiled, Envelope
from schemas.topics import COMMITMENTS
from services.projections import logic, store


async def on_commitment_filed(conn: asyncpg.Connection, event: CommitmentFiled, envelope: Envelope) -> None:
    """Count the commitment for every unit on its path, in the commitment's year."""
    await store.add_to_figures(conn, envelope.unit_path, str(event.year), logic.commitment_figures(event))


HANDLERS = {
    **directory.HANDLERS,
    CommitmentFiled.event_type: on_commitment_filed,
}
TOPICS = [*directory.TOPICS, COMMITMENTS.name]
