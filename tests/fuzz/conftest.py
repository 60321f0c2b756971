"""Collects the fuzz runs' counts and prints them at the end of the test session."""

from __future__ import annotations

from typing import Any

RUNS: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in RUNS:
        terminalreporter.write_line(line)
