"""A test's result as pytest reported it, over its setup, call and teardown, for the records that
the reliability and behaviour plugins write whatever the result."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from harness.reliability import Result

FAILURE_CHARS = 300


def _first_line(call: pytest.CallInfo[None]) -> str:
    if call.excinfo is None:
        return ""
    lines = call.excinfo.exconly().strip().splitlines() or [call.excinfo.typename]
    line = lines[0]
    return line if len(line) <= FAILURE_CHARS else line[: FAILURE_CHARS - 1] + "…"


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)


@dataclass
class RunResult:
    """passed until a phase says otherwise; the first phase that does decides, with its line:
    FAILED (the call failed), error (setup or teardown failed) or skipped."""

    result: Result = "passed"
    failure: str = ""

    def add(self, report: pytest.TestReport, call: pytest.CallInfo[None]) -> None:
        if self.result != "passed":
            return
        if report.skipped:
            self.result, self.failure = "skipped", _skip_reason(report)
        elif report.failed and report.when == "call":
            self.result, self.failure = "FAILED", _first_line(call)
        elif report.failed:
            self.result, self.failure = "error", f"in {report.when}: {_first_line(call)}"
