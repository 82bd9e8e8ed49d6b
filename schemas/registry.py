"""Every event type the system knows, and the upcasters that lift old versions."""

from collections.abc import Callable
from typing import Any

from schemas.commitments import (
    CommitmentAmended,
    CommitmentFiled,
    CommitmentRated,
    CommitmentReported,
    SelfReflectionRecorded,
    SessionAmended,
    SessionHeld,
    ThematicTopicIssued,
)
from schemas.directory import MemberRegistered, OrgUnitRegistered
from schemas.envelope import Envelope, Event, EventDecodeError
from schemas.honors import HonorNominated, HonorRecorded, HonorRejected, HonorRevoked
from schemas.inspections import DisciplineImposed, InspectionConcluded, InspectionOpened
from schemas.notifications import DeliveryDeadLettered, PublicityDelivered, PublicityRetracted

EVENT_TYPES: dict[str, type[Event]] = {
    cls.event_type: cls
    for cls in (
        OrgUnitRegistered,
        MemberRegistered,
        CommitmentFiled,
        CommitmentAmended,
        SelfReflectionRecorded,
        CommitmentReported,
        CommitmentRated,
        SessionHeld,
        SessionAmended,
        ThematicTopicIssued,
        HonorNominated,
        HonorRecorded,
        HonorRejected,
        HonorRevoked,
        InspectionOpened,
        InspectionConcluded,
        DisciplineImposed,
        PublicityDelivered,
        PublicityRetracted,
        DeliveryDeadLettered,
    )
}

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

UPCASTERS: dict[tuple[str, int], Upcaster] = {}
"""(event_type, version) -> function turning that version's payload into version + 1."""


def read_payload(envelope: Envelope) -> Event:
    """The envelope's payload as the current model of its type, upcasting older versions."""
    model = EVENT_TYPES.get(envelope.event_type)
    if model is None:
        raise EventDecodeError(f"event_type: unknown type {envelope.event_type!r}")
    if envelope.version > model.version:
        raise EventDecodeError(
            f"version: {envelope.event_type} v{envelope.version} is newer than this reader (v{model.version})"
        )
    payload, version = dict(envelope.payload), envelope.version
    while version < model.version:
        upcast = UPCASTERS.get((envelope.event_type, version))
        if upcast is None:
            raise EventDecodeError(f"version: no upcaster from {envelope.event_type} v{version}")
        payload, version = upcast(payload), version + 1
    try:
        return model.model_validate(payload)
    except ValueError as error:
        raise EventDecodeError(f"payload of {envelope.event_type}: {error}") from error
