"""Pure rules of commitments: plain values in, a decision out."""

from datetime import date, timedelta

from neuguong.runtime.directory import Member

PROBATION = timedelta(days=183)  # "admitted under 6 months" (DESIGN.md §5 rule 2)


def is_exempt(member: Member, year: int) -> bool:
    """Rule 2: newly admitted (under 6 months at the start of the year), exempted or suspended members."""
    return member.status in ("exempted", "suspended") or member.admitted_on > date(year, 1, 1) - PROBATION


def filing_refusal(member: Member, year: int, today: date) -> tuple[str, str] | None:
    """Why a commitment for `year` cannot be filed for `member`, as (field, reason), or None."""
    if member.left_party:
        return "member_id", "no longer a party member"
    if year > today.year:
        return "year", f"{year} is in the future (this year is {today.year})"
    return None
