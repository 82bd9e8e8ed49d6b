"""What the public may see of an honor (Law 91/2025/QH15, DESIGN.md §7): one projection for every output.

Allowed: the name (only with the subject's consent), unit, commune, deed summary, level, period and the
approving body, plus the honor's opaque id and dates so a portal can update or take an entry down.
Everything else (evidence links, member ids, ratings, findings, personal details) never leaves.
"""

from datetime import datetime
from typing import Any

PUBLIC_FIELDS = frozenset(
    {"honor_id", "name", "unit", "commune", "deed", "level", "period", "approved_by", "recorded_at"}
)
"""Fields an honor may carry in any public output (webhook body, feeds, page)."""

ANONYMOUS_MEMBER = "Một đảng viên"
"""How a member who did not consent is shown instead of their name."""

LEVEL_LABELS = {"cell": "Chi bộ", "grassroots": "Đảng bộ cơ sở", "district": "Cấp huyện", "province": "Cấp tỉnh"}
ROMAN_QUARTERS = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def name_to_keep(subject_kind: str, name: str, consent_to_publish: bool) -> str | None:
    """The only name this service stores: a collective's (not personal data), a member's only with consent."""
    return name if subject_kind == "unit" or consent_to_publish else None


def public_honor(row: Any) -> dict[str, Any]:
    """The allow-listed view of a stored honor (a mapping with public_honors columns and unit_name/commune)."""
    recorded_at: datetime = row["recorded_at"]
    view = {
        "honor_id": row["honor_id"],
        "name": row["subject_name"],
        "unit": row["unit_name"] or row["recording_unit_id"],
        "commune": row["commune"],
        "deed": row["deed"],
        "level": row["level"],
        "period": row["period"],
        "approved_by": row["approved_by"],
        "recorded_at": recorded_at.isoformat(),
    }
    if not view.keys() <= PUBLIC_FIELDS:  # a new field must be added to the allow-list on purpose
        raise AssertionError(f"not on the public allow-list: {sorted(view.keys() - PUBLIC_FIELDS)}")
    return view


def display_name(view: dict[str, Any]) -> str:
    """The name line of a public entry: the name, or an anonymous label."""
    return view["name"] or ANONYMOUS_MEMBER


def period_label(period: str) -> str:
    """A period in Vietnamese: Năm 2025, 6 tháng đầu năm 2025, Quý II/2025, Tháng 5/2025."""
    year, _, part = period.partition("-")
    if not part:
        return f"Năm {year}"
    if part == "H1":
        return f"6 tháng đầu năm {year}"
    if part == "H2":
        return f"6 tháng cuối năm {year}"
    if part.startswith("Q"):
        return f"Quý {ROMAN_QUARTERS[part[1:]]}/{year}"
    return f"Tháng {int(part)}/{year}"


def level_label(level: str) -> str:
    """A level in Vietnamese."""
    return LEVEL_LABELS.get(level, level)


def publication_body(delivery_id: str, honor: Any) -> dict[str, Any]:
    """The webhook body that publishes an honor."""
    return {"type": "honor.published", "delivery_id": delivery_id, "honor": public_honor(honor)}


def retraction_body(delivery_id: str, honor_id: str, revoked_at: datetime | None) -> dict[str, Any]:
    """The webhook body that takes an honor down (no reason: it may name findings, which stay private)."""
    return {
        "type": "honor.retracted",
        "delivery_id": delivery_id,
        "honor_id": honor_id,
        "retracted_at": revoked_at.isoformat() if revoked_at else None,
    }
