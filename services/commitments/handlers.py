"""Every Kafka subscription of services/commitments, in one table."""

from neuguong.runtime import directory

HANDLERS = {**directory.HANDLERS}
TOPICS = [*directory.TOPICS]
