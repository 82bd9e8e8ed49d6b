"""How honors and nominations are shown in HTTP answers."""

import asyncpg


def honor_view(row: asyncpg.Record, *, findings: bool = True) -> dict:
    """An entry of the honor roll, with its revocation when it was struck off.

    Why it was revoked (inspection findings, discipline) is shown only when `findings` is true: to the
    roles that may read findings, never to members or publishers.
    """
    revoked = None if row["revoked_at"] is None else {
        "revoked_at": row["revoked_at"].isoformat(), "revoked_by": row["revoked_by"]}
    if revoked is not None and findings:
        revoked.update(reason=row["revocation_reason"], inspection_id=row["revoking_inspection_id"],
                       discipline_id=row["revoking_discipline_id"])
    return {
        "honor_id": row["honor_id"],
        "subject": {"kind": row["subject_kind"], "id": row["subject_id"], "name": row["subject_name"]},
        "recording_unit_id": row["recording_unit_id"],
        "level": row["level"],
        "period": row["period"],
        "deed": row["deed"],
        "evidence": row["evidence"],
        "proposed_by": row["proposed_by"],
        "approved_by": row["approved_by"],
        "consent_to_publish": row["consent_to_publish"],
        "nomination_id": row["nomination_id"],
        "unit_path": list(row["unit_path"]),
        "recorded_on": row["recorded_on"].isoformat(),
        "status": "on_roll" if revoked is None else "revoked",
        "revocation": revoked,
    }


def nomination_view(row: asyncpg.Record) -> dict:
    """A nomination and, once decided, its decision."""
    return {
        "nomination_id": row["nomination_id"],
        "subject": {"kind": row["subject_kind"], "id": row["subject_id"], "name": row["subject_name"]},
        "proposing_unit_id": row["proposing_unit_id"],
        "recording_unit_id": row["recording_unit_id"],
        "level": row["level"],
        "period": row["period"],
        "deed": row["deed"],
        "evidence": row["evidence"],
        "proposed_by": row["proposed_by"],
        "consent_to_publish": row["consent_to_publish"],
        "status": row["status"],
        "decided_by": row["decided_by"],
        "decision": row["decision"],
        "honor_id": row["honor_id"],
    }
