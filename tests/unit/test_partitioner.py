"""The relay's partitioner puts every key on the partition Kafka's default partitioner (Java client, aiokafka)
puts it on: a key's earlier events, published by either, stay ahead of its later ones."""

from aiokafka.partitioner import DefaultPartitioner
from hypothesis import given
from hypothesis import strategies as st

from neuguong.runtime.kafka import key_partitioner

# Signed murmur2 values the Java client's own tests expect (org.apache.kafka.common.utils.UtilsTest).
JAVA_MURMUR2 = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
}


def test_the_java_clients_partitions_for_its_own_vectors() -> None:
    partitions = list(range(12))
    for key, signed in JAVA_MURMUR2.items():
        assert key_partitioner(key, partitions, partitions) == (signed & 0x7FFFFFFF) % 12, key


@given(key=st.binary(max_size=80), count=st.integers(min_value=1, max_value=64))
def test_every_key_lands_where_the_default_partitioner_puts_it(key: bytes, count: int) -> None:
    partitions = list(range(count))
    assert key_partitioner(key, partitions, partitions[:1]) == DefaultPartitioner()(key, partitions, partitions[:1])


def test_member_ids_as_keys_land_where_the_default_partitioner_puts_them() -> None:
    partitions = list(range(6))
    keys = [f"dv-{n:05d}/dangvien-{n:07d}".encode() for n in range(5000)]
    ours = [key_partitioner(key, partitions, partitions) for key in keys]
    assert ours == [DefaultPartitioner()(key, partitions, partitions) for key in keys]
    assert set(ours) == set(partitions)  # spread over every partition, not a constant


def test_a_record_without_a_key_goes_to_an_available_partition() -> None:
    assert {key_partitioner(None, [0, 1, 2, 3], [2]) for _ in range(50)} == {2}
    assert {key_partitioner(None, [0, 1], []) for _ in range(200)} == {0, 1}
