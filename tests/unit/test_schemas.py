"""Envelope, ids and wire types."""

import unicodedata
from datetime import date

import pytest
from pydantic import ValidationError

from schemas import CommitmentFiled, EventDecodeError, OrgUnitRegistered, decode, encode, read_payload, uuid7, wrap
from schemas.ids import uuid7_time_ms
from schemas.text import is_period


def test_uuid7_is_version_7_and_time_ordered():
    ids = [uuid7() for _ in range(5000)]
    assert all(i.version == 7 and i.variant == "specified in RFC 4122" for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert abs(uuid7_time_ms(ids[0]) - uuid7_time_ms(ids[-1])) < 60_000


def test_text_is_stored_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Chi bộ thôn Nậm Pung")
    unit = OrgUnitRegistered(unit_id="c1", name=decomposed, level="cell", parent_id="g1", cell_kind="rural")
    assert unit.name == "Chi bộ thôn Nậm Pung"
    assert unicodedata.is_normalized("NFC", unit.name)


def test_envelope_round_trip_keeps_vietnamese_readable():
    event = CommitmentFiled(
        commitment_id="k1", member_id="m1", cell_id="c1", year=2025, limitations=["Chưa mạnh dạn phát biểu"]
    )
    envelope = wrap(event, producer="commitments", actor="m1", unit_path=["lc", "g1", "c1"], correlation_id="r1")
    raw = encode(envelope)
    assert "Chưa mạnh dạn".encode() in raw
    assert read_payload(decode(raw)) == event
    assert event.key() == "m1"


@pytest.mark.parametrize(
    "raw, field",
    [
        (b"not json", "(body)"),
        (b'{"event_id": "x"}', "event_id"),
    ],
)
def test_undecodable_bytes_name_the_problem(raw, field):
    with pytest.raises(EventDecodeError, match=field.replace("(", r"\(").replace(")", r"\)")):
        decode(raw)


def test_unknown_type_and_newer_version_are_refused():
    envelope = wrap(
        CommitmentFiled(commitment_id="k", member_id="m", cell_id="c", year=2025),
        producer="p",
        actor="a",
        unit_path=[],
        correlation_id="c",
    )
    with pytest.raises(EventDecodeError, match="unknown type"):
        read_payload(envelope.model_copy(update={"event_type": "Nope"}))
    with pytest.raises(EventDecodeError, match="newer than this reader"):
        read_payload(envelope.model_copy(update={"version": 2}))


def test_unknown_payload_fields_are_ignored():
    envelope = wrap(
        CommitmentFiled(commitment_id="k", member_id="m", cell_id="c", year=2025),
        producer="p",
        actor="a",
        unit_path=[],
        correlation_id="c",
    )
    later = envelope.model_copy(update={"payload": {**envelope.payload, "added_later": 1}})
    assert read_payload(later).member_id == "m"


@pytest.mark.parametrize(
    "value, ok",
    [
        ("2023", True),
        ("2023-H1", True),
        ("2023-Q4", True),
        ("2023-05", True),
        ("2023-13", False),
        ("2023-H3", False),
        ("2023-Q5", False),
        ("23", False),
        ("2023-5", False),
    ],
)
def test_period_strings(value, ok):
    assert is_period(value) is ok


def test_unit_shape_rules():
    with pytest.raises(ValidationError, match="parent_id"):
        OrgUnitRegistered(unit_id="c1", name="x", level="cell", cell_kind="rural")
    with pytest.raises(ValidationError, match="cell_kind"):
        OrgUnitRegistered(unit_id="g1", name="x", level="grassroots", parent_id="lc", cell_kind="rural")
    assert OrgUnitRegistered(unit_id="lc", name="Đảng bộ tỉnh Lào Cai", level="province").parent_id is None


def test_plan_deadline_is_a_date():
    event = CommitmentFiled(
        commitment_id="k",
        member_id="m",
        cell_id="c",
        year=2025,
        plan=[{"item_id": "p1", "title": "Trồng quế", "deadline": "2025-09-30"}],
    )
    assert event.plan[0].deadline == date(2025, 9, 30)


def test_outages_are_transient_and_bad_events_are_not():
    import asyncpg

    from neuguong.runtime.consumer import PermanentFailure, is_transient

    assert is_transient(asyncpg.exceptions.ConnectionDoesNotExistError("closed"))
    assert is_transient(ConnectionRefusedError(111, "refused"))
    assert is_transient(asyncpg.exceptions.DeadlockDetectedError("deadlock"))
    assert not is_transient(asyncpg.exceptions.UniqueViolationError("duplicate"))
    assert not is_transient(PermanentFailure("not an event"))
    assert not is_transient(ValueError("bad payload"))
    assert is_transient(asyncpg.exceptions.DiskFullError("could not extend file"))
    assert is_transient(asyncpg.exceptions.ReadOnlySQLTransactionError("read-only transaction"))
    wrapped = RuntimeError("handler failed")
    wrapped.__cause__ = KeyError("x")
    wrapped.__cause__.__cause__ = asyncpg.exceptions.ConnectionDoesNotExistError("closed")
    assert is_transient(wrapped)  # the outage is two causes down
