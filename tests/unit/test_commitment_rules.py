"""Rules 1–2 of commitments as pure functions."""

from datetime import date

import pytest

from neuguong.runtime.directory import Member
from services.commitments.logic import filing_refusal, is_exempt


def member(**changes) -> Member:
    values = dict(member_id="m1", full_name="Lò Văn Hùng", cell_id="c1", admitted_on=date(2010, 5, 1),
                  status="active", is_leader=False, is_head=False, left_party=False)
    return Member(**{**values, **changes})


@pytest.mark.parametrize("changes, exempt", [
    ({}, False),
    ({"admitted_on": date(2025, 9, 1)}, True),   # under 6 months on 1 January 2026
    ({"admitted_on": date(2025, 6, 1)}, False),  # 7 months
    ({"status": "exempted"}, True),
    ({"status": "suspended"}, True),
])
def test_exemptions(changes, exempt):
    assert is_exempt(member(**changes), 2026) is exempt


def test_filing_refusals_name_the_field():
    today = date(2026, 3, 1)
    assert filing_refusal(member(), 2026, today) is None
    assert filing_refusal(member(left_party=True), 2026, today) == ("member_id", "no longer a party member")
    field, reason = filing_refusal(member(), 2027, today)
    assert field == "year" and "future" in reason
