"""A broker connection closed under uvloop (what `neuguong serve` runs on) is a broken connection aiokafka
retries, never a RuntimeError that ends a consumer's group coordination (aio-libs/aiokafka#1038)."""

import asyncio

import pytest
import uvloop
from aiokafka.conn import create_conn
from aiokafka.errors import KafkaConnectionError
from aiokafka.protocol.metadata import MetadataRequest

import neuguong.runtime.kafka  # noqa: F401 -- the runtime's Kafka module is what makes it so
from neuguong.runtime.settings import Settings


def test_a_request_on_a_transport_just_closed_is_a_broken_connection():
    host, _, port = Settings().kafka_servers[0].rpartition(":")

    async def broker_gone() -> BaseException | None:
        conn = await create_conn(host, int(port))
        try:
            conn._writer.transport.close()  # the broker went away ...
            await asyncio.sleep(0)  # ... and aiokafka's reader has not noticed yet
            assert conn._writer is not None
            with pytest.raises(KafkaConnectionError, match="broken"):
                conn.send(MetadataRequest([]))
            assert not conn.connected()  # dropped: the next request reconnects
        finally:
            conn.close()
        return None

    uvloop.run(broker_gone())
