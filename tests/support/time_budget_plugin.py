"""pytest plugin: the time of each group of tests in `make test`'s budget (harness/time_budget.py).

Active when the Makefile runs pytest as a part of the budget (PIPESUM_TIME_BUDGET set), in the
process that collects the results (the xdist controller, or pytest alone). A group is the unit
tests, or an integration group of tests/support/groups.py on its target; its time is wall clock
from its first test's setup (where its emulator starts and its stack is applied) to its last
test's teardown (where the stack is destroyed). Written at the end of the session, also when
tests failed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.time_budget import BUDGET_VARIABLE, PART_VARIABLE, append
from tests.support.groups import group_of


@dataclass
class Group:
    started: float
    ended: float
    tests: set[str] = field(default_factory=set)


class TimeBudget:
    def __init__(self, budget: Path, part: str, target: str) -> None:
        self.budget = budget
        self.part = part
        self.target = target
        self.groups: dict[str, Group] = {}

    def name(self, nodeid: str) -> str:
        if "tests/integration/" not in nodeid:
            return "unit tests"
        return f"integration, {group_of(nodeid)} (--target {self.target})"

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        name = self.name(report.nodeid)
        group = self.groups.setdefault(name, Group(report.start, report.stop))
        group.started = min(group.started, report.start)
        group.ended = max(group.ended, report.stop)
        group.tests.add(report.nodeid)

    @pytest.hookimpl
    def pytest_sessionfinish(self) -> None:
        for name, group in sorted(self.groups.items(), key=lambda item: item[1].started):
            line = {"part": self.part, "group": name, "seconds": group.ended - group.started}
            append(line | {"tests": len(group.tests)}, self.budget)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # a worker: its controller counts
        return
    # Taken out of the environment, so the pytest runs that tests start count nothing here.
    budget = os.environ.pop(BUDGET_VARIABLE, None)
    part = os.environ.pop(PART_VARIABLE, "pytest")
    if not budget:
        return
    target = str(config.getoption("target", default=None) or "unknown")
    plugin = TimeBudget(Path(budget), part, target)
    config.pluginmanager.register(plugin, "pipesum-time-budget")
