"""Pure rules of commitments and sessions (DESIGN.md §5, rules 1–4): plain values in, a decision out."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from neuguong import membership
from neuguong.runtime.directory import Member
from neuguong.runtime.errors import Refusal
from schemas.commitments import PlanItem
from services.commitments.commands import CommitmentContent, SessionRecord

RATINGS = ("excellent", "good", "completed", "not_completed")
SESSION_CONTENT = {"topic_title", "topic_id", "present", "absent", "praised", "reminded", "resolution"}


@dataclass(frozen=True)
class ReportFacts:
    """What the year-end report says about the commitment, as far as rating rules care."""

    on_time_percent: int
    all_limitations_remedied: bool


@dataclass(frozen=True)
class DisciplineFact:
    """A discipline imposed on a member."""

    discipline_id: str
    measure: str
    decided_on: date


def commitment_content(command: CommitmentContent) -> dict:
    """The stored and published content of a commitment, plan items numbered p1, p2, …"""
    plan = [PlanItem(item_id=f"p{i + 1}", **item.model_dump()) for i, item in enumerate(command.plan)]
    return {
        "limitations": command.limitations,
        "plan": [p.model_dump(mode="json") for p in plan],
        "targets": command.targets,
    }


def session_content(record: SessionRecord) -> dict:
    """The stored content of a session record (everything but its keys)."""
    return record.model_dump(mode="json", include=SESSION_CONTENT)


def unknown_items(plan_item_ids: Sequence[str], reviewed_ids: Iterable[str]) -> Refusal:
    """A monthly review names only items of the plan."""
    unknown = sorted(set(reviewed_ids) - set(plan_item_ids))
    return ("items_reviewed", f"not in the plan: {', '.join(unknown)}") if unknown else None


def months_missed_so_far(year: int, today: date) -> int:
    """How many months of `year` have ended by `today`: only they can have been missed."""
    return 12 if year < today.year else (today.month - 1 if year == today.year else 0)


def is_exempt(member: Member, year: int) -> bool:
    """Rule 2: newly admitted (under 6 months on 1 January), exempted or suspended members."""
    return membership.is_exempt(member.status, member.admitted_on, year)


def filing_refusal(member: Member, year: int, today: date) -> Refusal:
    """Why `member` cannot file a commitment for `year` today."""
    if member.left_party:
        return "member_id", "no longer a party member"
    if year > today.year:
        return "year", f"{year} is in the future (this year is {today.year})"
    return None


def month_refusal(field: str, month: str, year: int, today: date) -> Refusal:
    """A monthly record must fall in the commitment's year and not in the future."""
    if int(month[:4]) != year:
        return field, f"{month} is not in the commitment's year {year}"
    if month > f"{today.year}-{today.month:02d}":
        return field, f"{month} is in the future"
    return None


def on_time_percent(plan_item_ids: Sequence[str], on_time_ids: Iterable[str]) -> int:
    """Share of planned items done on time, in whole percent (100 when nothing was planned)."""
    if not plan_item_ids:
        return 100
    done = len(set(plan_item_ids) & set(on_time_ids))
    return done * 100 // len(plan_item_ids)


def results_refusal(plan_item_ids: Sequence[str], result_ids: Sequence[str]) -> Refusal:
    """The report must give one result for each plan item and none for anything else."""
    unknown = sorted(set(result_ids) - set(plan_item_ids))
    if unknown:
        return "results", f"not in the plan: {', '.join(unknown)}"
    if len(result_ids) != len(set(result_ids)):
        return "results", "an item is reported twice"
    missing = [i for i in plan_item_ids if i not in set(result_ids)]
    if missing:
        return "results", f"no result for plan items {', '.join(missing)}"
    return None


def disciplines_in_year(disciplines: Iterable[DisciplineFact], year: int) -> list[DisciplineFact]:
    """The disciplines decided in `year`."""
    return [d for d in disciplines if d.decided_on.year == year]


def rating_refusal(
    rating: str, year: int, report: ReportFacts | None, disciplines: Iterable[DisciplineFact]
) -> Refusal:
    """Rule 3: a discipline in the year forces not_completed; excellent needs 100% on time and every
    earlier limitation remedied; any rating but not_completed needs the year-end report."""
    if rating == "not_completed":
        return None
    in_year = disciplines_in_year(disciplines, year)
    if in_year:
        d = in_year[0]
        return "rating", f"discipline {d.discipline_id} ({d.measure}, {d.decided_on}) in {year} forces not_completed"
    if report is None:
        return "rating", "the member has not reported on the commitment yet; only not_completed is possible"
    if rating == "excellent" and report.on_time_percent < 100:
        return "rating", f"excellent needs 100% of tasks on time (report says {report.on_time_percent}%)"
    if rating == "excellent" and not report.all_limitations_remedied:
        return "rating", "excellent needs every earlier limitation remedied (report says not all were)"
    return None


def session_refusal(
    held_on: date,
    month: str,
    today: date,
    cell_members: set[str],
    present: Sequence[str],
    absent: Sequence[str],
    named: dict[str, Sequence[str]],
) -> Refusal:
    """A session record must fit its month, not lie in the future, and name only the cell's members."""
    if f"{held_on.year}-{held_on.month:02d}" != month:
        return "held_on", f"{held_on} is not in {month}"
    if held_on > today:
        return "held_on", f"{held_on} is in the future"
    both = sorted(set(present) & set(absent))
    if both:
        return "absent", f"also listed as present: {', '.join(both)}"
    for field, ids in {"present": present, "absent": absent, **named}.items():
        strangers = sorted(set(ids) - cell_members)
        if strangers:
            return field, f"not members of this cell: {', '.join(strangers)}"
    return None


def topic_refusal(topic_id: str | None, kind: str, month: str, topic: dict | None, cell_path: Sequence[str]) -> Refusal:
    """A session names a topic only when thematic, and only one of the catalogue of its year issued by the cell's
    own committees (a unit on its path)."""
    if topic_id is None:
        return None
    if kind != "thematic":
        return "topic_id", "only a thematic session takes up a topic of the catalogue"
    if topic is None:
        return "topic_id", f"{topic_id} is not in the catalogue of thematic topics"
    if str(topic["year"]) != month[:4]:
        return "topic_id", f"{topic_id} is a topic of {topic['year']}, not of {month[:4]}"
    if topic["issuing_unit_id"] not in cell_path:
        return "topic_id", f"{topic_id} was issued by {topic['issuing_unit_id']}, not a committee above this cell"
    return None


def issuing_refusal(level: str | None) -> Refusal:
    """A committee issues topics; a cell takes them up."""
    return ("issuing_unit_id", "a cell takes up topics; a committee above it issues them") if level == "cell" else None


def missing_sessions(held: Iterable[tuple[str, str]], year: int, through_month: int) -> tuple[list[str], list[str]]:
    """Rule 4: months without a regular session and quarters without a thematic one, up to a month.

    `held` is (month "YYYY-MM", kind) of a cell's sessions; a quarter counts once it has ended.
    """
    held = list(held)
    months = [f"{year}-{m:02d}" for m in range(1, through_month + 1)]
    regular = {month for month, kind in held if kind == "regular"}
    thematic_quarters = {
        (int(month[5:]) - 1) // 3 + 1 for month, kind in held if kind == "thematic" and month[:4] == str(year)
    }
    missing_regular = [m for m in months if m not in regular]
    ended_quarters = range(1, through_month // 3 + 1)
    missing_thematic = [f"{year}-Q{q}" for q in ended_quarters if q not in thematic_quarters]
    return missing_regular, missing_thematic
