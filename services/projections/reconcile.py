"""The figures that do not add up (pure: figures in, findings out), shown in a report rather than hidden:
a total that differs from the sum of its parts, children that do not sum to their parent, more
commitments than members who owed one, honors still on the roll of subjects later found at fault."""

from collections.abc import Mapping, Sequence

from services.projections.logic import ACTS

LEVELS = ("cell", "grassroots", "district", "province")
RATINGS = ("excellent", "good", "completed", "not_completed")
CONCLUSIONS = ("compliant", "shortcomings", "violation")
CHANNELS = ("portal", "fanpage")
MEASURES = ("reprimand", "warning", "removal_from_post", "expulsion")

TOTALS: dict[str, tuple[str, ...]] = {
    "commitments_rated": tuple(f"rating_{r}" for r in RATINGS),
    "honors": tuple(f"honors_{level}" for level in LEVELS),
    "honors_revoked": ("honors_revoked_violation", "honors_revoked_discipline", "honors_revoked_operator"),
    "disciplines": tuple(f"disciplines_{m}" for m in MEASURES),
    **{f"publicity_{kind}": tuple(f"publicity_{kind}_{c}" for c in CHANNELS) for kind in ("published", "retracted")},
}
"""A total and the parts it must equal."""

BORN_IN_CELLS = (
    "commitments_filed",
    "commitments_filed_leaders",
    "commitments_filed_heads",
    "self_reflections",
    "commitment_reports",
    "commitments_rated",
    *(f"rating_{r}" for r in RATINGS),
    "sessions_regular",
    "sessions_thematic",
)
"""Figures every event of which happens in a cell: a parent's equal the sum of its children's exactly. Other
figures may be the parent's own (an honor its committee recorded), so only children summing past it is wrong."""


def _n(figures: Mapping[str, int], name: str) -> int:
    return figures.get(name, 0)


def reconcile(
    figures: Mapping[str, int], children: Sequence[Mapping], honored_then_found: Sequence[Mapping]
) -> list[dict]:
    """Every finding, in a fixed order: totals, children, commitments beyond those owed, honors at fault."""
    findings: list[dict] = []
    for total, parts in TOTALS.items():
        summed = sum(_n(figures, p) for p in parts)
        if summed != _n(figures, total):
            findings.append({"kind": "total", "figure": total, "value": _n(figures, total), "parts": summed})
    if children:
        for name in sorted({name for child in children for name in child["figures"]} | set(BORN_IN_CELLS)):
            summed = sum(_n(child["figures"], name) for child in children)
            if summed > _n(figures, name) or (name in BORN_IN_CELLS and summed != _n(figures, name)):
                findings.append({"kind": "children", "figure": name, "value": _n(figures, name), "parts": summed})
    for act in ACTS:
        done, owed = _n(figures, f"member_years_{act}"), _n(figures, "owing_member_years")
        if owed and done > owed:
            findings.append({"kind": "beyond_owed", "figure": f"member_years_{act}", "value": done, "parts": owed})
    for honor in honored_then_found:
        findings.append({"kind": "honored_then_found", **dict(honor)})
    return findings
