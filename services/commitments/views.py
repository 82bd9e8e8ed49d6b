"""How commitments and sessions are shown in HTTP answers."""

import asyncpg


def commitment_view(row: asyncpg.Record) -> dict:
    """A commitment's current state."""
    return {
        "commitment_id": row["commitment_id"],
        "member_id": row["member_id"],
        "cell_id": row["cell_id"],
        "year": row["year"],
        "version": row["version"],
        "filed_at": row["filed_at"].isoformat(),
        **row["content"],
    }


def session_view(row: asyncpg.Record) -> dict:
    """A session record as it now stands."""
    return {
        "session_id": row["session_id"],
        "cell_id": row["cell_id"],
        "month": row["month"],
        "kind": row["kind"],
        "held_on": row["held_on"].isoformat(),
        "revision": row["revision"],
        **row["content"],
    }


def history_view(row: asyncpg.Record, history: dict[str, list[asyncpg.Record]]) -> dict:
    """A commitment with every version, monthly review, its report and rating."""
    cid = row["commitment_id"]
    report = next((r for r in history["reports"] if r["commitment_id"] == cid), None)
    rating = next((r for r in history["ratings"] if r["commitment_id"] == cid), None)
    return {
        **commitment_view(row),
        "versions": [
            {"version": v["version"], "changed_by": v["changed_by"], "changed_at": v["changed_at"].isoformat(),
             "reason": v["reason"], **v["content"]}
            for v in history["versions"] if v["commitment_id"] == cid
        ],
        "self_reflections": [
            {"month": r["month"], "recorded_at": r["recorded_at"].isoformat(), **r["content"]}
            for r in history["reflections"] if r["commitment_id"] == cid
        ],
        "report": None if report is None else {
            "on_time_percent": report["on_time_percent"], "reported_at": report["reported_at"].isoformat(),
            **report["content"]},
        "rating": None if rating is None else {
            "rating": rating["rating"], "rated_by_unit": rating["rated_by_unit"], "reason": rating["reason"],
            "forced_by_discipline": rating["forced_by_discipline"], "rated_at": rating["rated_at"].isoformat()},
    }
