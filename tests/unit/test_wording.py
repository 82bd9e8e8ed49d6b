"""The services' refusals a clerk or a committee reads are worded in Vietnamese, with the values they name."""

from datetime import date

import pytest

from neuguong.wording import field_reason
from services.commitments import logic as commitments
from services.honors import logic as honors


@pytest.mark.parametrize(
    ("reason", "worded"),
    [
        ("not members of this cell: m7, m9", "không phải đảng viên của chi bộ này: m7, m9"),
        ("2026-03-05 is not in 2026-04", "ngày 05/03/2026 không thuộc tháng 04/2026"),
        ("2026-05 is not in the commitment's year 2025", "tháng 05/2026 không thuộc năm 2025 của cam kết"),
        ("CD-07 is a topic of 2025, not of 2026", "CD-07 là chuyên đề năm 2025, không phải năm 2026"),
        (
            "CD-07 was issued by lc-x01, not a committee above this cell",
            "CD-07 do lc-x01 ban hành, không phải cấp ủy cấp trên của chi bộ này",
        ),
        (
            "2026-05 is a month; the province honor roll is kept by year (2026), half-year (2026-H1)",
            "tháng 5 năm 2026 là một tháng; sổ ghi danh cấp tỉnh ghi theo năm (năm 2026), "
            "nửa năm (6 tháng đầu năm 2026)",
        ),
    ],
)
def test_a_rule_s_refusal_is_worded_with_its_values(reason, worded):
    assert field_reason("x", reason) == worded


def test_the_rules_refusals_are_each_worded():
    """The patterns follow the rules' own sentences: a rule reworded in English must be reworded here too."""
    june = date(2026, 6, 1)
    topic = {"year": 2025, "issuing_unit_id": "lc-x01"}
    refusals = [
        honors.cadence_refusal("province", "2026-05", june),
        commitments.month_refusal("month", "2026-05", 2025, june),
        commitments.session_refusal(date(2026, 3, 5), "2026-04", june, {"m1"}, ["m1"], [], {}),
        commitments.session_refusal(date(2026, 4, 5), "2026-04", june, {"m1"}, ["m1", "m7"], [], {}),
        commitments.topic_refusal("CD-07", "regular", "2026-04", topic, ["lc"]),
        commitments.topic_refusal("CD-07", "thematic", "2026-04", topic, ["lc"]),
        commitments.topic_refusal("CD-07", "thematic", "2025-04", topic, ["lc"]),
    ]
    for refusal in refusals:
        assert refusal is not None
        field, reason = refusal
        assert field_reason(field, reason) != reason, reason
