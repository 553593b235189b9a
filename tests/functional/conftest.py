"""Functional tests: print the fault-injection table at the end of the run."""

from __future__ import annotations

import pytest

from tests.support.faults import RESULTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RESULTS:
        return
    terminalreporter.section("fault injection: letters lost and duplicated")
    for result in RESULTS:
        terminalreporter.write_line(result.line())
    lost = sum(r.lost for r in RESULTS)
    duplicated = sum(r.duplicated for r in RESULTS)
    terminalreporter.write_line(f"faults={len(RESULTS)} lost={lost} duplicated={duplicated}")
