"""pytest plugin: every run of a reliability scenario leaves its record, passed or not.

A scenario's test is marked `@pytest.mark.reliability(Scenario(...))` (harness.reliability) and
takes the `reliability` fixture to contribute what it measures as it goes, before it asserts:
`reliability.figure(name, value)`, and `reliability.account(books)` for the books of what it
dropped. After the test has run (its teardown included), `pytest_runtest_makereport` writes the
record with the outcome pytest saw: passed, FAILED (the call failed), error (setup or teardown
failed) or skipped, with the first line of the failure. Records go to build/reliability/, or to
`--reliability-dir`.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.reliability import RECORDS_DIR, Books, Scenario, make_record, write
from tests.support.run_result import RunResult

MARKER = "reliability"


class Evidence:
    """What a scenario's test measured so far; written into its record whatever the result."""

    def __init__(self) -> None:
        self.figures: dict[str, str] = {}
        self.books: Books | None = None

    def figure(self, name: str, value: object) -> None:
        self.figures[name] = str(value)

    def account(self, books: Books) -> Books:
        self.books = books
        return books


@dataclass
class _Run:
    evidence: Evidence = field(default_factory=Evidence)
    outcome: RunResult = field(default_factory=RunResult)


_RUN = pytest.StashKey[_Run]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reliability-dir",
        type=Path,
        default=RECORDS_DIR,
        help="where the reliability scenarios' records go (default: build/reliability/)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenario): a reliability scenario (harness.reliability.Scenario); every run "
        "leaves its record for docs/reliability.md",
    )


def scenario_of(item: pytest.Item) -> Scenario | None:
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return None
    if len(marker.args) != 1 or not isinstance(marker.args[0], Scenario) or marker.kwargs:
        raise pytest.UsageError(
            f"{item.nodeid}: write @pytest.mark.{MARKER}(Scenario(...)) with one "
            "harness.reliability.Scenario"
        )
    scenario: Scenario = marker.args[0]
    return scenario


@pytest.fixture
def reliability(request: pytest.FixtureRequest) -> Evidence:
    """The figures and books of this run of the test's scenario (see the module's docstring)."""
    item = request.node
    if not isinstance(item, pytest.Item) or scenario_of(item) is None:
        raise pytest.UsageError(
            f"{request.node.nodeid} uses the reliability fixture without being a scenario: "
            f"mark it @pytest.mark.{MARKER}(Scenario(...))"
        )
    return item.stash.setdefault(_RUN, _Run()).evidence


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    scenario = scenario_of(item)
    if scenario is None:
        return report
    run = item.stash.setdefault(_RUN, _Run())
    run.outcome.add(report, call)
    if report.when == "teardown":
        record = make_record(
            scenario,
            run.outcome.result,
            target=str(item.config.getoption("target", default=None) or "unknown"),
            failure=run.outcome.failure,
            figures=run.evidence.figures,
            books=run.evidence.books,
        )
        write(record, item.config.getoption("reliability_dir"))
    return report
