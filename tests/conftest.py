"""Shared fixtures. Integration tests talk to the Kafka and PostgreSQL that deploy/local starts.

`make test` runs the suite on two pytest-xdist workers (`TEST_WORKERS=1`: one process). Kafka needs
nothing for that (every test has its own topic prefix, so its own topics and consumer groups); PostgreSQL does:
the tests reset the service schemas of their database, so each worker owns a test database of its own,
`neuguong_test_gw0`, `neuguong_test_gw1`, …, which `make test` provisions (NG_PG_DATABASES) before it starts
them."""

import os

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:  # set before any setting is read: the services, the tools and their subprocesses all follow it
    os.environ["NG_PG_DATABASE"] = f"{os.environ.get('NG_PG_DATABASE', 'neuguong_test')}_{_worker}"


def pytest_terminal_summary(terminalreporter):
    """The fault table (fault × commands × lost × unexpected × duplicated × reordered) after a run with faults.
    Here, not in tests/faults: under pytest-xdist only this conftest is loaded by the process that prints.
    Passed cases come before failed ones: the reports are kept per outcome."""
    from tests.faults.checker import details, recorded_rows, table

    rows = recorded_rows([r for outcome in ("passed", "failed") for r in terminalreporter.stats.get(outcome, [])])
    if rows:
        terminalreporter.write_sep("=", "faults: every accepted command, per id")
        terminalreporter.write_line(table(rows))
        found = details(rows)
        if found:
            terminalreporter.write_line(found)
