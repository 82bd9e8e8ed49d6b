"""Prints the fault table (fault × commands × lost × unexpected × duplicated × reordered) after the run."""

from tests.faults.cases import RESULTS
from tests.faults.checker import details, table


def pytest_terminal_summary(terminalreporter):
    if RESULTS:
        terminalreporter.write_sep("=", "faults: every accepted command, per id")
        terminalreporter.write_line(table(RESULTS))
        found = details(RESULTS)
        if found:
            terminalreporter.write_line(found)
