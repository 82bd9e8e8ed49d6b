"""The wire contract of Nêu Gương: the envelope, the events and the topics. Nothing else."""

from schemas.commitments import CommitmentFiled, PlanItem, SessionHeld
from schemas.directory import AdministrativeCode, MemberRegistered, OrgUnitRegistered
from schemas.envelope import Envelope, Event, EventDecodeError, decode, encode, wrap
from schemas.honors import HonorRecorded, HonorSubject
from schemas.ids import uuid7
from schemas.registry import EVENT_TYPES, read_payload

__all__ = [
    "EVENT_TYPES",
    "AdministrativeCode",
    "CommitmentFiled",
    "Envelope",
    "Event",
    "EventDecodeError",
    "HonorRecorded",
    "HonorSubject",
    "MemberRegistered",
    "OrgUnitRegistered",
    "PlanItem",
    "SessionHeld",
    "decode",
    "encode",
    "read_payload",
    "uuid7",
    "wrap",
]
