"""The services' pools skip asyncpg's reset query on release (neuguong.runtime.db), which is only sound while no
code leaves session state on a pooled connection: no session advisory lock, no LISTEN, no session-level SET,
no cursor held past its transaction (nor a temporary table or a named prepared statement, which the reset
would not have undone either). The relay's leadership holds its lock and listens on a connection of its
own, outside the pool; the delivery worker gives its listening connection back only once it listens no more."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN_CONNECTION = {
    Path("neuguong/runtime/leadership.py"),  # db.connect(): a connection outside the pool
    # Keeps one pooled connection for its lifetime, listening; UNLISTENs before it gives it back, or ends it.
    Path("services/notifications/worker.py"),
}

SESSION_STATE = {
    "a session advisory lock": re.compile(r"pg_(try_)?advisory_lock(_shared)?\s*\("),
    "LISTEN": re.compile(r"\badd_listener\s*\(|(^|[\"';])\s*LISTEN\s", re.IGNORECASE | re.MULTILINE),
    "a session-level SET": re.compile(
        r"(^|[\"';(])\s*SET\s+(?!LOCAL\b)(SESSION\s+)?"
        r"([a-z_.]+\s*(=|\bTO\b)|TIME\s+ZONE\b|ROLE\b|AUTHORIZATION\b|CHARACTERISTICS\b)",
        re.IGNORECASE | re.MULTILINE,
    ),
    "a temporary table": re.compile(r"\bCREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\s+TABLE\b", re.IGNORECASE),
    "a named prepared statement": re.compile(r"(^|[\"';])\s*PREPARE\s+\w+", re.IGNORECASE | re.MULTILINE),
    "set_config outside a transaction": re.compile(r"set_config\s*\([^)]*,\s*false\s*\)", re.IGNORECASE),
    "a cursor WITH HOLD": re.compile(r"\bWITH\s+HOLD\b", re.IGNORECASE),
}


# A function's own SET clauses hold for its calls only: its header, up to the body, is not looked at.
FUNCTION_HEADER = re.compile(r"CREATE\s+(OR\s+REPLACE\s+)?FUNCTION\b.*?\$\w*\$", re.IGNORECASE | re.DOTALL)


def session_state(text: str) -> list[str]:
    """What kinds of session state `text` (code or SQL) may leave on its connection."""
    text = FUNCTION_HEADER.sub("", text)
    return [what for what, pattern in SESSION_STATE.items() if pattern.search(text)]


def sources() -> list[Path]:
    return sorted(
        path.relative_to(ROOT)
        for top in ("neuguong", "services", "ops")
        for path in (ROOT / top).rglob("*")
        if path.suffix in {".py", ".sql"}
    )


def test_no_code_leaves_session_state_on_a_pooled_connection() -> None:
    found = [
        f"{path}: {what}"
        for path in sources()
        if path not in OWN_CONNECTION
        for what in session_state((ROOT / path).read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_check_sees_each_kind_of_session_state() -> None:
    samples = {
        "a session advisory lock": "SELECT pg_advisory_lock(7, 1)",
        "LISTEN": 'await conn.execute("LISTEN outbox_x")',
        "a session-level SET": 'await conn.execute("SET statement_timeout = 1000")',
        "set_config outside a transaction": "SELECT set_config('search_path', 'x', false)",
        "a cursor WITH HOLD": "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
        "a temporary table": "CREATE TEMP TABLE staged (id int)",
        "a named prepared statement": '"PREPARE next_rows AS SELECT 1"',
    }
    for sample in ("SET TIME ZONE 'UTC'", "SET ROLE ng_commitments", "SET SESSION AUTHORIZATION x", "listen x"):
        assert session_state(f'"{sample}"') != [], sample
    for what, sample in samples.items():
        assert session_state(sample) == [what], what
    harmless = [
        "UPDATE outbox SET published_at = now() WHERE id = $1",
        'await conn.execute("SET LOCAL enable_sort = off")',
        "SELECT pg_advisory_xact_lock(7, 1)",
        "ON CONFLICT (unit_id) DO UPDATE SET parent_id = $2",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nSET enable_sort = off\nAS $$ SELECT 1 $$",
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql\nSET jit = off\nAS $body$ SELECT 1 $body$",
    ]
    for sample in harmless:
        assert session_state(sample) == [], sample
    assert session_state("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SET work_mem = '1GB' $$") != []
    assert Path("neuguong/runtime/db.py") in sources()
