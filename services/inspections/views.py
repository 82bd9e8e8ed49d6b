"""How inspections and disciplines are shown in HTTP answers."""

import asyncpg


def inspection_view(row: asyncpg.Record) -> dict:
    """An inspection as it now stands."""
    return {
        "inspection_id": row["inspection_id"],
        "kind": row["kind"],
        "target": {"kind": row["target_kind"], "id": row["target_id"]},
        "topic_title": row["topic_title"],
        "period": row["period"],
        "committee_unit_id": row["committee_unit_id"],
        "unit_path": list(row["unit_path"]),
        "opened_on": row["opened_on"].isoformat(),
        "status": "open" if row["conclusion"] is None else "concluded",
        "conclusion": row["conclusion"],
        "summary": row["summary"],
        "recommendations": row["recommendations"] or [],
        "concluded_on": row["concluded_on"] and row["concluded_on"].isoformat(),
    }


def discipline_view(row: asyncpg.Record) -> dict:
    """A discipline."""
    return {
        "discipline_id": row["discipline_id"],
        "target": {"kind": row["target_kind"], "id": row["target_id"]},
        "measure": row["measure"],
        "decided_on": row["decided_on"].isoformat(),
        "reason": row["reason"],
        "inspection_id": row["inspection_id"],
        "decided_by_unit": row["decided_by_unit"],
        "note": row["note"],
        "unit_path": list(row["unit_path"]),
    }
