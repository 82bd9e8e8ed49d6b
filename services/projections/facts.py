"""SQL of the facts kept per member and per checked target, and of the directory as it stood: what a span
of several periods needs to count people and organisations once ("người", "tổ chức") beside the acts
("lượt", "cuộc") the counters hold, and to put a denominator under each share."""

from datetime import date

import asyncpg

from neuguong.membership import EXEMPT_STATUSES, PROBATION_DAYS
from neuguong.periods import period_bounds
from services.projections.fold import PENDING
from services.projections.logic import span_months, span_years

# A self-review carries no leader flags: they are those of the member's commitment of that year, which comes
# before it on the same partition (both keyed by member), so a rebuild finds the same flags as the live run.
INSERT_ACT = """
WITH filed AS (
    SELECT is_leader, is_head FROM member_acts WHERE act = 'filed' AND member_id = $2 AND period = left($3, 4)
)
INSERT INTO member_acts (act, member_id, period, first_day, last_day, unit_path, is_leader, is_head)
SELECT $1, $2, $3, $4, $5, $6,
       coalesce($7, (SELECT is_leader FROM filed), false), coalesce($8, (SELECT is_head FROM filed), false)
ON CONFLICT (act, member_id, period) DO NOTHING
"""
INSERT_CHECK = """
INSERT INTO checked_targets (inspection_id, kind, target_kind, target_id, committee_unit_id, opened_on, unit_path)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (inspection_id) DO NOTHING
"""
CONCLUDE_CHECK = "UPDATE checked_targets SET conclusion = $2, concluded_on = $3 WHERE inspection_id = $1"
INSERT_DISCIPLINE = """
INSERT INTO imposed_disciplines (discipline_id, target_kind, target_id, measure, decided_on, inspection_id, unit_path)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
"""
INSERT_DELIVERY = """
INSERT INTO publicity_deliveries (delivery_id, kind, honor_id, channel_id, channel_kind, level, period, first_day,
                                  last_day)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING
"""
INSERT_TOPIC = """
INSERT INTO issued_topics (topic_id, year, title, issuing_unit_id, unit_path) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING
"""
# The catalogue a unit's cells draw on over a span: topics of the span's years issued by the unit (merged units
# included), a committee above it or one under it; each with the distinct cells under the unit whose thematic
# sessions of the span's months took it up.
SELECT_TOPICS = """
WITH RECURSIVE above AS (
    SELECT unit_id, parent_id FROM directory_units WHERE unit_id = ANY($1::text[])
    UNION
    SELECT u.unit_id, u.parent_id FROM directory_units u JOIN above a ON u.unit_id = a.parent_id
)
SELECT t.topic_id, t.year, t.title, t.issuing_unit_id,
       (SELECT count(DISTINCT h.cell_id) FROM held_sessions h
        WHERE h.topic_id = t.topic_id AND h.kind = 'thematic' AND h.month = ANY($3::text[])
          AND h.unit_path && $1::text[]) AS cells
FROM issued_topics t
WHERE t.year = ANY($2::int[]) AND (t.issuing_unit_id IN (SELECT unit_id FROM above) OR t.unit_path && $1::text[])
ORDER BY t.year, t.topic_id
"""
SET_LEFT_ON = "UPDATE directory_members SET left_on = $2 WHERE member_id = $1"
SET_UNIT_KIND = "UPDATE directory_units SET kind = $2 WHERE unit_id = $1"

# Every query below reads several groups of units at once (a report's unit and each of its children): $1 and $2
# pair each group's key with a unit of it, so one statement answers for all and counts a person once per group.
GROUPS = "unnest($1::text[], $2::text[]) AS g(key, unit_id)"
SELECT_COUNTERS = f"""
SELECT g.key, f.figure, sum(f.value)::bigint AS value FROM {GROUPS}
JOIN unit_figures f ON f.unit_id = g.unit_id AND f.period = ANY($3::text[]) GROUP BY g.key, f.figure
"""
# Distinct members per act within [$3, $4], over the facts whose path meets a unit of the group; leaders and
# heads apart; "member-years" count a member once a year (the unit of a share: who owed, who did).
SELECT_MEMBER_ACTS = f"""
SELECT g.key, a.act,
       count(DISTINCT a.member_id) AS members,
       count(DISTINCT a.member_id) FILTER (WHERE a.is_leader) AS members_leaders,
       count(DISTINCT a.member_id) FILTER (WHERE a.is_head) AS members_heads,
       count(DISTINCT (a.member_id, left(a.period, 4))) AS member_years,
       count(DISTINCT (a.member_id, left(a.period, 4))) FILTER (WHERE a.is_leader) AS member_years_leaders,
       count(DISTINCT (a.member_id, left(a.period, 4))) FILTER (WHERE a.is_head) AS member_years_heads
FROM {GROUPS} JOIN member_acts a ON a.unit_path @> ARRAY[g.unit_id]
WHERE a.first_day >= $3 AND a.last_day <= $4 GROUP BY g.key, a.act
"""
SELECT_CHECKED = f"""
SELECT g.key, c.kind, c.target_kind, count(DISTINCT c.target_id) AS targets
FROM {GROUPS} JOIN checked_targets c ON c.unit_path @> ARRAY[g.unit_id]
WHERE c.opened_on BETWEEN $3 AND $4 GROUP BY g.key, c.kind, c.target_kind
"""
# The inspecting committee's level is read at query time, so replaying events before the directory changes nothing.
SELECT_CHECKS_BY_LEVEL = f"""
SELECT g.key, c.kind, coalesce(u.level, 'unknown') AS level, count(DISTINCT c.inspection_id) AS checks
FROM {GROUPS} JOIN checked_targets c ON c.unit_path @> ARRAY[g.unit_id]
LEFT JOIN directory_units u ON u.unit_id = c.committee_unit_id
WHERE c.opened_on BETWEEN $3 AND $4 GROUP BY g.key, c.kind, level
"""
# A discipline follows an inspection or a supervision when it names one; otherwise it stands alone.
SELECT_DISCIPLINES_BY_ORIGIN = f"""
SELECT g.key, coalesce(c.kind, 'other') AS origin, d.measure, count(DISTINCT d.discipline_id) AS disciplines
FROM {GROUPS} JOIN imposed_disciplines d ON d.unit_path @> ARRAY[g.unit_id]
LEFT JOIN checked_targets c ON c.inspection_id = d.inspection_id
WHERE d.decided_on BETWEEN $3 AND $4 GROUP BY g.key, origin, d.measure
"""
SELECT_HONORED = f"""
SELECT g.key, r.subject_kind, count(DISTINCT r.subject_id) AS subjects
FROM {GROUPS} JOIN recorded_honors r ON r.unit_path @> ARRAY[g.unit_id]
WHERE NOT r.revoked AND r.first_day >= $3 AND r.last_day <= $4 GROUP BY g.key, r.subject_kind
"""
# Acknowledged publications and retractions of the honors recorded in the group's subtrees, per channel kind and
# in all (channel_kind null): deliveries ("lượt") and distinct honors. The honor's path is read here, not kept on
# the delivery, so the order in which a delivery and its honor arrive does not matter.
SELECT_PUBLICITY = f"""
SELECT g.key, p.kind, p.channel_kind, count(DISTINCT p.delivery_id) AS deliveries,
       count(DISTINCT p.honor_id) AS honors
FROM {GROUPS} JOIN recorded_honors r ON r.unit_path @> ARRAY[g.unit_id]
JOIN publicity_deliveries p ON p.honor_id = r.honor_id
WHERE p.first_day >= $3 AND p.last_day <= $4
GROUP BY GROUPING SETS ((g.key, p.kind, p.channel_kind), (g.key, p.kind))
"""
SELECT_ATTENDANCE = f"""
SELECT key, sum(present) AS attendance_present, sum(present + absent) AS attendance_expected FROM (
    SELECT DISTINCT g.key, h.session_id, h.present, h.absent
    FROM {GROUPS} JOIN held_sessions h ON h.unit_path @> ARRAY[g.unit_id] WHERE h.month = ANY($3::text[])
) AS sessions GROUP BY key
"""
# Honors still on the roll whose subject a violation conclusion or a discipline later found at fault.
SELECT_HONORED_THEN_FOUND = """
SELECT r.honor_id, r.subject_kind, r.subject_id, r.level, r.period FROM recorded_honors r
WHERE NOT r.revoked AND r.unit_path && $1::text[] AND r.first_day >= $2 AND r.last_day <= $3 AND (
    EXISTS (SELECT 1 FROM checked_targets c WHERE c.target_kind = r.subject_kind AND c.target_id = r.subject_id
            AND c.conclusion = 'violation' AND c.concluded_on > r.first_day)
    OR EXISTS (SELECT 1 FROM imposed_disciplines d WHERE d.target_kind = r.subject_kind
               AND d.target_id = r.subject_id AND d.decided_on > r.first_day))
ORDER BY r.honor_id
"""
# The units under each group's units (merged units included), as the directory has them now.
SUBTREE = f"""
WITH RECURSIVE subtree AS (
    SELECT g.key, u.unit_id, u.level, u.kind, u.dissolved FROM {GROUPS} JOIN directory_units u ON u.unit_id = g.unit_id
    UNION
    SELECT s.key, u.unit_id, u.level, u.kind, u.dissolved
    FROM directory_units u JOIN subtree s ON u.parent_id = s.unit_id
)
"""
# A cell's members by its index, one cell at a time: the subtree's size is unknown to the planner, which would
# otherwise scan every member of the province for each unit (OFFSET 0 keeps the subquery apart).
MEMBERS_OF_CELL = "SELECT * FROM directory_members WHERE cell_id = s.unit_id OFFSET 0"
# Members on the roll at the end of a day: admitted by then and not gone by then.
ON_ROLL = "m.admitted_on <= {day} AND NOT (m.left_party AND coalesce(m.left_on, '-infinity'::date) <= {day})"
SELECT_MEMBERS_AT = (
    SUBTREE
    + f"""
SELECT s.key, count(*) AS members, count(*) FILTER (WHERE m.is_leader) AS members_leaders,
       count(*) FILTER (WHERE m.is_head) AS members_heads
FROM subtree s CROSS JOIN LATERAL ({MEMBERS_OF_CELL}) m WHERE {ON_ROLL.format(day="$3")} GROUP BY s.key
"""
)
# Who owed a commitment (rule 2) in each year of $3, on the roll at that year's end.
SELECT_OWING = (
    SUBTREE
    + f"""
SELECT s.key, count(*) AS owing_member_years, count(*) FILTER (WHERE m.is_leader) AS owing_member_years_leaders,
       count(*) FILTER (WHERE m.is_head) AS owing_member_years_heads, count(DISTINCT m.member_id) AS owing_members
FROM subtree s CROSS JOIN LATERAL ({MEMBERS_OF_CELL}) m CROSS JOIN unnest($3::int[]) AS y
WHERE {ON_ROLL.format(day="make_date(y, 12, 31)")}
  AND NOT (m.status = ANY($4::text[]) OR m.admitted_on > make_date(y, 1, 1) - $5::int)
GROUP BY s.key
"""
)
SELECT_UNITS = (
    SUBTREE
    + """
SELECT key, count(*) FILTER (WHERE level = 'cell') AS cells, count(*) FILTER (WHERE level = 'grassroots') AS grassroots,
       count(*) FILTER (WHERE level = 'grassroots' AND kind = 'territorial') AS grassroots_territorial,
       count(*) FILTER (WHERE level = 'grassroots' AND kind = 'agency') AS grassroots_agency,
       count(*) FILTER (WHERE level = 'grassroots' AND kind = 'enterprise') AS grassroots_enterprise,
       count(*) FILTER (WHERE level = 'grassroots' AND kind = 'armed_forces') AS grassroots_armed_forces,
       count(*) FILTER (WHERE level = 'district' AND kind <> 'territorial') AS bloc_committees
FROM subtree WHERE NOT dissolved GROUP BY key
"""
)
# Live cells under the units that held a regular session in every month of $3.
SELECT_CELLS_EVERY_REGULAR = (
    SUBTREE
    + """
SELECT s.key, count(*) AS cells_every_regular FROM subtree s WHERE s.level = 'cell' AND NOT s.dissolved AND (
    SELECT count(DISTINCT h.month) FROM held_sessions h
    WHERE h.cell_id = s.unit_id AND h.kind = 'regular' AND h.month = ANY($3::text[])) = cardinality($3::text[])
GROUP BY s.key
"""
)


async def remember_act(
    conn: asyncpg.Connection,
    act: str,
    member_id: str,
    period: str,
    bounds: tuple[date, date],
    unit_path: list[str],
    is_leader: bool | None = None,
    is_head: bool | None = None,
) -> None:
    """Note that a member did `act` (filed, self_reviewed, reported, rated) in a period; without leader
    flags, those of the member's filing of the period's year."""
    if (pending := PENDING.get()) is not None:
        pending.remember_act(act, member_id, period, bounds, unit_path, is_leader, is_head)
        return
    await conn.execute(INSERT_ACT, act, member_id, period, *bounds, unit_path, is_leader, is_head)


async def remember_check(conn: asyncpg.Connection, event, unit_path: list[str]) -> None:
    """Note an opened inspection or supervision and whom it checks."""
    await conn.execute(
        INSERT_CHECK,
        event.inspection_id,
        event.kind,
        event.target.kind,
        event.target.id,
        event.committee_unit_id,
        event.opened_on,
        unit_path,
    )


async def conclude_check(conn: asyncpg.Connection, inspection_id: str, conclusion: str, concluded_on: date) -> None:
    """Note the conclusion of an inspection or supervision."""
    await conn.execute(CONCLUDE_CHECK, inspection_id, conclusion, concluded_on)


async def remember_discipline(conn: asyncpg.Connection, event, unit_path: list[str]) -> None:
    """Note a discipline, whom it struck and which inspection (if any) it followed."""
    await conn.execute(
        INSERT_DISCIPLINE,
        event.discipline_id,
        event.target.kind,
        event.target.id,
        event.measure,
        event.decided_on,
        event.inspection_id,
        unit_path,
    )


async def remember_delivery(conn: asyncpg.Connection, kind: str, event) -> None:
    """Note a publication or retraction of an honor a channel acknowledged (once per delivery)."""
    await conn.execute(
        INSERT_DELIVERY,
        event.delivery_id,
        kind,
        event.honor_id,
        event.channel_id,
        event.channel_kind,
        event.level,
        event.period,
        *period_bounds(event.period),
    )


async def remember_topic(conn: asyncpg.Connection, event, unit_path: list[str]) -> None:
    """Note a thematic topic of the catalogue and where its issuing committee stands."""
    await conn.execute(INSERT_TOPIC, event.topic_id, event.year, event.title, event.issuing_unit_id, unit_path)


async def select_topics(
    conn: asyncpg.Connection, unit_ids: list[str], bounds: tuple[date, date]
) -> list[asyncpg.Record]:
    """The catalogue of thematic topics of a span for a unit (and the units merged into it), each with the number
    of distinct cells under it that took the topic up in the span."""
    first, last = bounds
    years = list(range(first.year, last.year + 1))
    return await conn.fetch(SELECT_TOPICS, unit_ids, years, span_months(first, last))


async def remember_departure(conn: asyncpg.Connection, member_id: str, left_on: date | None) -> None:
    """Note when a member left (None: still on the roll, or the day is unknown)."""
    await conn.execute(SET_LEFT_ON, member_id, left_on)


async def remember_unit_kind(conn: asyncpg.Connection, unit_id: str, kind: str | None) -> None:
    """Note a committee's kind: territorial or a bloc's (None when the directory does not say)."""
    await conn.execute(SET_UNIT_KIND, unit_id, kind)


async def select_span_facts(
    conn: asyncpg.Connection, groups: dict[str, list[str]], periods: list[str], bounds: tuple[date, date]
) -> dict[str, dict[str, list[asyncpg.Record]]]:
    """Every counter, distinct count and denominator of each group's subtrees over a span (its periods and its
    first and last day), as rows by query, by group key."""
    keys = [key for key, unit_ids in groups.items() for _ in unit_ids]
    ids = [unit_id for unit_ids in groups.values() for unit_id in unit_ids]
    first, last = bounds
    months, years = span_months(first, last), span_years(first, last)
    found = {
        "counters": await conn.fetch(SELECT_COUNTERS, keys, ids, periods),
        "acts": await conn.fetch(SELECT_MEMBER_ACTS, keys, ids, first, last),
        "checked": await conn.fetch(SELECT_CHECKED, keys, ids, first, last),
        "checks_by_level": await conn.fetch(SELECT_CHECKS_BY_LEVEL, keys, ids, first, last),
        "disciplines": await conn.fetch(SELECT_DISCIPLINES_BY_ORIGIN, keys, ids, first, last),
        "honored": await conn.fetch(SELECT_HONORED, keys, ids, first, last),
        "publicity": await conn.fetch(SELECT_PUBLICITY, keys, ids, first, last),
        "totals": [
            *await conn.fetch(SELECT_MEMBERS_AT, keys, ids, last),
            *await conn.fetch(SELECT_UNITS, keys, ids),
            *await conn.fetch(SELECT_CELLS_EVERY_REGULAR, keys, ids, months),
            *await conn.fetch(SELECT_ATTENDANCE, keys, ids, months),
            *(await conn.fetch(SELECT_OWING, keys, ids, years, list(EXEMPT_STATUSES), PROBATION_DAYS) if years else []),
        ],
    }
    by_key: dict[str, dict[str, list[asyncpg.Record]]] = {key: {name: [] for name in found} for key in groups}
    for name, rows in found.items():
        for row in rows:
            by_key[row["key"]][name].append(row)
    return by_key


async def select_honored_then_found(
    conn: asyncpg.Connection, unit_ids: list[str], bounds: tuple[date, date]
) -> list[asyncpg.Record]:
    """Honors of the span still on the roll whose subject a violation or a discipline later found at fault."""
    return await conn.fetch(SELECT_HONORED_THEN_FOUND, unit_ids, *bounds)
