"""Every Kafka subscription of services/honors, in one table."""

from neuguong.runtime import directory

HANDLERS = {**directory.HANDLERS}
TOPICS = [*directory.TOPICS]
